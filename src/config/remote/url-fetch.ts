// One bounded fetch of config_url: https only (unless allowed), redirects checked like the
// URL, a timeout over everything, a size cap enforced while reading; every failure a
// one-line RemoteConfigError naming the URL.
import { formatBytes } from "../units.js";
import { RemoteConfigError } from "./remote-error.js";

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 5;

/** undefined when the URL may be fetched; else why not. */
export function checkRemoteUrl(url: string, allowInsecureHttp: boolean): RemoteConfigError | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return new RemoteConfigError(url, "url", "not a URL; write config_url: https://host/path/config.yaml");
  }
  if (u.protocol === "https:") return undefined;
  if (u.protocol === "http:") {
    return allowInsecureHttp
      ? undefined
      : new RemoteConfigError(
          url,
          "insecure",
          "plain http is refused: use https, or set allow_insecure_http: true in the local config.yaml",
        );
  }
  return new RemoteConfigError(url, "url", `${u.protocol} URLs are not supported: use https`);
}

/** Parses the remote's YAML; errors name the URL and the line, on one line. */

export type FetchResult =
  { notModified: true } | { notModified: false; text: string; etag?: string; lastModified?: string };

export interface FetchOptions {
  allowInsecureHttp: boolean;
  timeoutMs: number;
  maxBytes: number;
  etag?: string;
  lastModified?: string;
  signal?: AbortSignal;
}

/**
 * One conditional GET (If-None-Match / If-Modified-Since; 304 = unchanged), following
 * at most 5 redirects, each checked like the URL itself (no https -> http downgrade).
 * The timeout covers everything, body included; the size cap is enforced while reading.
 */
export async function fetchRemoteText(url: string, o: FetchOptions): Promise<FetchResult> {
  // Not AbortSignal.any([o.signal, AbortSignal.timeout(ms)]): on Node 20 the garbage
  // collector can take the timeout signal before it fires, and the request then hangs for good.
  const ctl = new AbortController();
  const timer = setTimeout(
    () => ctl.abort(new DOMException(`no answer within ${o.timeoutMs} ms`, "TimeoutError")),
    o.timeoutMs,
  );
  const onAbort = () => ctl.abort(o.signal?.reason);
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    return await fetchWithin(url, o, ctl.signal);
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener("abort", onAbort);
  }
}

async function fetchWithin(url: string, o: FetchOptions, signal: AbortSignal): Promise<FetchResult> {
  const headers: Record<string, string> = {
    accept: "application/yaml, text/yaml, text/plain;q=0.9, */*;q=0.5",
    "user-agent": "plancton-remote-config",
  };
  if (o.etag) headers["if-none-match"] = o.etag;
  if (o.lastModified) headers["if-modified-since"] = o.lastModified;
  let target = url;
  for (let hop = 0; ; hop++) {
    const problem = checkRemoteUrl(target, o.allowInsecureHttp);
    if (problem)
      throw target === url
        ? problem
        : new RemoteConfigError(
            url,
            problem.kind,
            `redirected to ${target}: ${problem.message.replace(`remote config ${target}: `, "")}`,
          );
    const res = await fetch(target, { headers, signal, redirect: "manual" });
    if (res.status === 304) {
      await res.body?.cancel();
      return { notModified: true };
    }
    if (res.status >= 300 && res.status < 400 && res.headers.get("location")) {
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS)
        throw new RemoteConfigError(
          url,
          "http",
          `more than ${MAX_REDIRECTS} redirects; point config_url at the final address`,
        );
      target = new URL(res.headers.get("location") as string, target).toString();
      continue;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new RemoteConfigError(url, "http", describeHttpStatus(res.status, res.statusText));
    }
    const declared = contentLengthOver(res.headers.get("content-length"), o.maxBytes);
    if (declared !== undefined) {
      await res.body?.cancel();
      throw new RemoteConfigError(
        url,
        "oversize",
        `the body is ${declared} bytes, over the ${formatBytes(o.maxBytes)} limit; a config is a ` +
          `few KiB: check config_url`,
      );
    }
    const bytes = await readCapped(res.body, o.maxBytes);
    if (bytes === undefined)
      throw new RemoteConfigError(
        url,
        "oversize",
        `the body is over the ${formatBytes(o.maxBytes)} limit (stopped reading); a config is a ` +
          `few KiB: check config_url`,
      );
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new RemoteConfigError(
        url,
        "encoding",
        "the body is not UTF-8 text; serve the config.yaml itself",
      );
    }
    return {
      notModified: false,
      text,
      etag: res.headers.get("etag") ?? undefined,
      lastModified: res.headers.get("last-modified") ?? undefined,
    };
  }
}

/** The declared length when it is over the cap, else undefined (absent or small). */
export function contentLengthOver(header: string | null, maxBytes: number): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  const n = Number(header.trim());
  return n > maxBytes ? n : undefined;
}

/** Reads a body up to maxBytes; undefined (and the stream cancelled) as soon as it is over. */
export async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export function describeHttpStatus(status: number, statusText: string): string {
  const what = `HTTP ${status}${statusText ? ` ${statusText}` : ""}`;
  if (status === 404 || status === 410) return `${what}: no config at this address; check config_url`;
  if (status === 401 || status === 403)
    return `${what}: the server refuses access; config_url must be readable without credentials`;
  if (status >= 500) return `${what}: the server failed; the last good copy stays and the fetch is retried`;
  return `${what}: expected 200 or 304`;
}

/** Any error of a fetch attempt as a one-line RemoteConfigError naming the URL. */
export function toRemoteError(url: string, err: unknown, timeoutMs: number): RemoteConfigError {
  if (err instanceof RemoteConfigError) return err;
  const e = err as Error & { cause?: Error & { code?: string } };
  if (e?.name === "TimeoutError" || e?.cause?.name === "TimeoutError") {
    return new RemoteConfigError(
      url,
      "timeout",
      `no complete answer within ${timeoutMs / 1000} s; check the server and the network`,
    );
  }
  const code = e?.cause?.code ?? (e as { code?: string })?.code;
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    // keep the URL
  }
  if (code === "ECONNREFUSED")
    return new RemoteConfigError(
      url,
      "unreachable",
      `connection refused by ${host}: nothing listens there; check config_url and that the server runs`,
    );
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return new RemoteConfigError(
      url,
      "unreachable",
      `host ${host} not found (${code}); check config_url and DNS`,
    );
  if (
    code === "EHOSTUNREACH" ||
    code === "ENETUNREACH" ||
    code === "ETIMEDOUT" ||
    code === "ECONNRESET" ||
    code === "UND_ERR_SOCKET"
  ) {
    return new RemoteConfigError(url, "unreachable", `cannot reach ${host} (${code}); check the network`);
  }
  if (code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
    return new RemoteConfigError(
      url,
      "unreachable",
      `TLS certificate problem (${code}); fix the server's certificate`,
    );
  }
  const detail = (e?.cause?.message ?? e?.message ?? String(err)).split("\n")[0];
  return new RemoteConfigError(url, "unreachable", `cannot fetch: ${detail}${code ? ` (${code})` : ""}`);
}
