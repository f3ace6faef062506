// A lock held for the life of a process, host-wide, that the kernel frees when the
// process dies however it dies: a unix socket bound in the abstract namespace (Linux;
// `\0name`, no file, so no stale file to remove and no race between two takers). The
// holder answers whoever connects with who it is (one JSON line), so a refused taker can
// name it. Node has no flock(2); this needs no native addon.
// Limit: any local user can bind an abstract name first; the daemon then refuses to start
// and names what answered (a denial of service, never a takeover).
import { createHash } from "node:crypto";
import net from "node:net";

export interface LockHolder {
  pid: number;
  rundir?: string;
  pidfile?: string;
  instance?: string;
}

export interface HeldLock {
  readonly name: string;
  release(): Promise<void>;
}

export type LockResult = { held: HeldLock } | { holder: LockHolder | undefined };

const MAX_NAME = 100; // sun_path is 108 bytes, with the leading NUL

/** `plancton-<what>-<key>`, hashed when too long for a socket name. */
export function lockName(what: string, key: string): string {
  const plain = `plancton-${what}-${key}`;
  return plain.length <= MAX_NAME
    ? plain
    : `plancton-${what}-${createHash("sha256").update(key).digest("hex").slice(0, 40)}`;
}

function listen(name: string, me: LockHolder): Promise<net.Server | "busy"> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((sock) => {
      sock.on("error", () => undefined);
      sock.end(`${JSON.stringify(me)}\n`);
    });
    server.once("error", (err: NodeJS.ErrnoException) =>
      err.code === "EADDRINUSE" ? resolve("busy") : reject(err),
    );
    server.listen({ path: `\0${name}` }, () => {
      server.unref(); // the lock never keeps the process alive
      resolve(server);
    });
  });
}

/** Asks the holder who it is; undefined when it does not answer in time, or says nonsense. */
export function askHolder(name: string, timeoutMs = 2000): Promise<LockHolder | undefined | "gone"> {
  return new Promise((resolve) => {
    let text = "";
    const sock = net.connect({ path: `\0${name}` });
    const done = (v: LockHolder | undefined | "gone") => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.setEncoding("utf8");
    sock.on("data", (chunk: string) => {
      text += chunk;
      if (text.length > 4096) done(undefined);
    });
    sock.on("end", () => {
      try {
        const v = JSON.parse(text) as LockHolder;
        done(Number.isInteger(v?.pid) && v.pid > 0 ? v : undefined);
      } catch {
        done(undefined);
      }
    });
    sock.on("error", (err: NodeJS.ErrnoException) =>
      done(err.code === "ECONNREFUSED" || err.code === "ENOENT" ? "gone" : undefined),
    );
  });
}

/** Takes the lock `name`, or says who holds it. */
export async function acquireLock(name: string, me: LockHolder): Promise<LockResult> {
  for (let attempt = 0; ; attempt++) {
    const server = await listen(name, me);
    if (server !== "busy") {
      return { held: { name, release: () => new Promise<void>((r) => server.close(() => r())) } };
    }
    const holder = await askHolder(name);
    // The holder died between our bind and our connect: try again.
    if (holder !== "gone" || attempt >= 5) return { holder: holder === "gone" ? undefined : holder };
  }
}
