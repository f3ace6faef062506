// A lock held for the life of a process that the kernel frees when the process dies
// however it dies: flock(2) on a file in a directory of the daemon's own (the 0700 run
// dir, or the pidfile's root-owned directory), so no other user can take it or squat it
// (the abstract unix socket it replaces could be bound first by any local user). Node has
// no flock(2): util-linux's flock(1) takes it on the daemon's open file description,
// handed to it as its fd 3; the lock belongs to that description, not to the short-lived
// flock process, so it lasts until the daemon closes the file or dies. Two takers racing
// (a stale pidfile) cannot both win: the kernel grants one. The holder writes who it is
// in the file, so a refused taker can name it. The file stays (removing it would let a
// second taker lock a new file while the first still holds the old one).
import { spawn } from "node:child_process";
import { closeSync, ftruncateSync, writeSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import { openForWriteSync, readNoFollow } from "./safe-open.js";

export interface LockHolder {
  pid: number;
  rundir?: string;
  pidfile?: string;
  instance?: string;
}

export interface HeldLock {
  readonly file: string;
  release(): Promise<void>;
}

export type LockResult = { held: HeldLock } | { holder: LockHolder | undefined };

const LOCK_MODE = 0o600;
const SAFE_KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** `dir/<what>-<key>.lock`; a key that is not a plain short name is hashed. */
export function lockFile(dir: string, what: string, key: string): string {
  const name = SAFE_KEY.test(key) ? key : createHash("sha256").update(key).digest("hex").slice(0, 40);
  return path.join(dir, `${what}-${name}.lock`);
}

/** flock(1) on `fd` without waiting: true when taken, false when another holds it. */
function flockNow(fd: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn("flock", ["--nonblock", "--exclusive", "3"], {
      stdio: ["ignore", "ignore", "pipe", fd],
    });
    let err = "";
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d.slice(0, 1000)));
    child.once("error", (e) =>
      reject(new Error(`the daemon's lock needs flock(1) (util-linux): ${(e as Error).message}`)),
    );
    child.once("exit", (code) => {
      if (code === 0) resolve(true);
      else if (code === 1) resolve(false);
      else reject(new Error(`flock(1) failed (exit ${code}): ${err.trim()}`));
    });
  });
}

/** Who holds `file`: what it wrote there; undefined when it says nothing readable (yet). */
async function holderOf(file: string): Promise<LockHolder | undefined> {
  const text = await readNoFollow(file);
  if (text === undefined || text.length > 4096) return undefined;
  try {
    const v = JSON.parse(text) as LockHolder;
    return Number.isInteger(v?.pid) && v.pid > 0 ? v : undefined;
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * The holder, once it has written who it is: just after it took the lock the file may
 * still be empty, or name the previous holder (dead), for a moment. Bounded: then unknown.
 */
async function liveHolderOf(file: string, tries = 100): Promise<LockHolder | undefined> {
  for (let i = 0; i < tries; i++) {
    const h = await holderOf(file);
    if (h && alive(h.pid)) return h;
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

/** Takes the lock `file` (created 0600, never through a link), or says who holds it. */
export async function acquireLock(file: string, me: LockHolder): Promise<LockResult> {
  const fd = openForWriteSync(file, "append", LOCK_MODE);
  let taken: boolean;
  try {
    taken = await flockNow(fd);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  if (!taken) {
    closeSync(fd);
    return { holder: await liveHolderOf(file) };
  }
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, `${JSON.stringify(me)}\n`);
  } catch {
    // A full disk: the lock is held all the same; a refused taker will not know whom it met.
  }
  let open = true;
  return {
    held: {
      file,
      release: async () => {
        if (open) closeSync(fd); // the last descriptor of the file: the kernel lets the lock go
        open = false;
      },
    },
  };
}
