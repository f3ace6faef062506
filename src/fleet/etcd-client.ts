// The etcd client, loaded by dynamic import so a host without a `fleet` key never loads
// etcd3 or gRPC. Every unary call gets a deadline (a partitioned etcd must not hold a
// write for minutes); streams (watches, lease keep-alives) reconnect by themselves.
// The agent's client (shedLoad) does not retry a call that timed out: etcd3's default
// retries it twice at once, which triples the load of an etcd already too slow; the
// agent paces its own retries (pacing.ts). A refused connection is still tried on the
// next member at once (it costs that member nothing it would not have paid).
import { readFile } from "node:fs/promises";
import type { Etcd3, IOptions } from "etcd3";
import type { Config } from "../config/schema.js";

export type FleetConfig = NonNullable<Config["fleet"]>;
export type EtcdConnection = Pick<
  FleetConfig,
  "etcd" | "username" | "password_file" | "ca_file" | "cert_file" | "key_file"
>;

export const CALL_TIMEOUT_MS = 3_000;
const DEFAULT_MAX_RECEIVE = 256 * 1024 * 1024;
/** Deadline of the registration calls (lease grant, first put, command reads). */
export const REGISTER_TIMEOUT_MS = 10_000;
/** Deadline of a password-to-token exchange: etcd checks the password with bcrypt (about
 *  50 ms of a core each, one after the other): 1,000 hosts starting at once wait their turn
 *  rather than give up at 3 s and ask again (measured: 18,000 exchanges, 31 answered). */
export const AUTH_TIMEOUT_MS = 60_000;

/** etcd3's global fault policy for the agent: one more member on a refused connection, nothing else. */
const shedLoadPolicy = {
  async execute<T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T): Promise<T> {
    const ctx = { signal: new AbortController().signal };
    try {
      return await fn(ctx);
    } catch (err) {
      if (
        !(err instanceof Error) ||
        !/UNAVAILABLE|ECONNREFUSED|No connection established/i.test(`${err.constructor.name} ${err.message}`)
      )
        throw err;
      return fn(ctx);
    }
  },
};

/** No circuit breaker (the admin's one-shot client): a page refused for its size is not a member down. */
const passThrough = {
  execute<T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T): PromiseLike<T> | T {
    return fn({ signal: new AbortController().signal });
  },
};

function shuffled<T>(xs: T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Reads the TLS and password files; an unreadable one is an error naming the key. */
export async function etcdOptions(
  c: EtcdConnection,
  callTimeoutMs = CALL_TIMEOUT_MS,
  shedLoad = false,
  maxReceiveBytes = DEFAULT_MAX_RECEIVE,
): Promise<IOptions> {
  const read = async (key: keyof EtcdConnection, file: string | null) => {
    if (file === null) return undefined;
    try {
      return await readFile(file);
    } catch (err) {
      throw new Error(`fleet.${key}: cannot read ${file}: ${(err as Error).message}`);
    }
  };
  // One after the other: the first unreadable file in this order is the one reported.
  const ca = await read("ca_file", c.ca_file);
  const cert = await read("cert_file", c.cert_file);
  const key = await read("key_file", c.key_file);
  const password = await read("password_file", c.password_file);
  const tls = c.etcd.some((u) => u.startsWith("https:"));
  if ((cert || key) && !tls)
    throw new Error("fleet.cert_file: a client certificate needs https:// etcd endpoints");
  const opts: IOptions = {
    // In a random order: etcd3 authenticates at the first member, then the next, so every
    // host of a site would ask the same member first.
    hosts: shuffled(c.etcd),
    dialTimeout: callTimeoutMs,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
    // The agent's watch answers may batch several values of up to 1.5 MiB each; the admin's
    // listings are paged and set their own limit (paged-read.ts).
    grpcOptions: { "grpc.max_receive_message_length": maxReceiveBytes },
  };
  type Policy = NonNullable<NonNullable<IOptions["faultHandling"]>["global"]>;
  if (shedLoad) opts.faultHandling = { global: shedLoadPolicy as unknown as Policy };
  // A receive limit (the admin's paged reads): a page over it is read again key by key,
  // not retried as it is, and does not open etcd3's circuit breaker on the member.
  if (maxReceiveBytes !== DEFAULT_MAX_RECEIVE)
    opts.faultHandling = {
      global: shedLoadPolicy as unknown as Policy,
      host: () => passThrough as unknown as Policy,
    };
  // No ca_file: the system's CAs (grpc takes null for them, etcd3's type says Buffer).
  if (tls && (ca || cert))
    opts.credentials = {
      rootCertificate: ca ?? (null as unknown as Buffer),
      ...(key ? { privateKey: key } : {}),
      ...(cert ? { certChain: cert } : {}),
    };
  if (c.username !== null && password !== undefined)
    opts.auth = {
      username: c.username,
      password: password.toString("utf8").trim(),
      callOptions: () => ({ deadline: Date.now() + AUTH_TIMEOUT_MS }),
    };
  return opts;
}

export async function connectEtcd(
  c: EtcdConnection,
  callTimeoutMs?: number,
  shedLoad = false,
  maxReceiveBytes?: number,
): Promise<Etcd3> {
  const options = await etcdOptions(c, callTimeoutMs, shedLoad, maxReceiveBytes);
  const { Etcd3 } = await import("etcd3");
  return new Etcd3(options);
}
