// planctonctl fleet's connection to etcd: endpoints, TLS and credentials from the local
// config's `fleet` key (--etcd overrides the endpoints). etcd3 is loaded only here (and
// in a daemon with a `fleet` key). The admin's client keeps gRPC's receive limit to a
// page (paged-read.ts): junk values cannot make a listing load hundreds of megabytes.
import { existsSync } from "node:fs";
import type { Config } from "../config/schema.js";
import type { ResolvedPaths } from "./paths-from-options.js";

export interface ConnOptions {
  etcd?: string[];
}

// Resolves once the text is handed to the kernel: bin/planctonctl exits right after, and
// an exit with a pipe's pending writes cuts them (a 10,000-host JSON is megabytes).
export const say = (s: string) =>
  new Promise<void>((resolve) => process.stdout.write(`${s}\n`, () => resolve()));
export const fail = (s: string) => process.stderr.write(`planctonctl: fleet: ${s}\n`);

export async function connect(p: ResolvedPaths, o: ConnOptions) {
  let fleet: Config["fleet"] = null;
  if (existsSync(p.configFile))
    fleet = (await (await import("../config/load.js")).loadConfigFile(p.configFile)).config.fleet;
  const etcd = o.etcd && o.etcd.length > 0 ? o.etcd : fleet?.etcd;
  if (!etcd)
    throw new Error(`no etcd endpoint: pass --etcd URL, or set fleet: {etcd: [URL]} in ${p.configFile}`);
  const conn = {
    etcd,
    username: null,
    password_file: null,
    ca_file: null,
    cert_file: null,
    key_file: null,
    ...(fleet ?? {}),
    ...(o.etcd?.length ? { etcd } : {}),
  };
  const [{ connectEtcd }, { PAGE_MAX_BYTES }] = await Promise.all([
    import("../fleet/etcd-client.js"),
    import("../fleet/paged-read.js"),
  ]);
  const client = await connectEtcd(conn, 10_000, false, PAGE_MAX_BYTES);
  return { client, prefix: fleet?.prefix ?? "/plancton/", endpoints: etcd.join(", "), conn };
}

export type Connection = Awaited<ReturnType<typeof connect>>;

/** Runs fn against etcd; an etcd that does not answer is one line, exit 1. */
export async function withEtcd(
  p: ResolvedPaths,
  o: ConnOptions,
  fn: (c: Connection) => Promise<number>,
): Promise<number> {
  const c = await connect(p, o);
  try {
    return await fn(c);
  } catch (err) {
    fail(`etcd at ${c.endpoints}: ${(err as Error).message}`);
    return 1;
  } finally {
    c.client.close();
  }
}
