// A listen address as written in the config: "HOST:PORT", "[IPv6]:PORT", or a port
// alone (then loopback, 127.0.0.1). Used by metrics_listen.
import { isIP } from "node:net";

export interface ListenAddress {
  host: string;
  port: number;
}

export const LISTEN_EXAMPLE = '"127.0.0.1:9857" (a port alone, "9857", listens on 127.0.0.1)';

export function parseListenAddress(text: string): ListenAddress | undefined {
  const t = text.trim();
  const m = /^(\d+)$/.exec(t) ?? /^(?:\[([0-9a-fA-F:.]+)\]|([a-zA-Z0-9.-]*)):(\d+)$/.exec(t);
  if (!m) return undefined;
  const alone = m.length === 2;
  const port = Number(alone ? m[1] : m[3]);
  if (!Number.isInteger(port) || port > 65535) return undefined; // 0: a free port (tests), shown in status
  if (alone) return { host: "127.0.0.1", port };
  if (m[1] !== undefined) return isIP(m[1]) === 6 ? { host: m[1], port } : undefined;
  return { host: m[2] || "127.0.0.1", port };
}

/** Whether the address is reachable only from this machine. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
