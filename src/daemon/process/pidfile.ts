// The pidfile: written by the daemon once it holds the pidfile's lock (host-lock.ts, for
// its whole life, so two starts racing on a stale pidfile cannot both win), read by
// planctonctl. It names the daemon by PID, start time (/proc/PID/stat) and exact argv
// (/proc/PID/cmdline): a PID reused by another process, whatever its command line, is
// stale, so `stop` never signals a stranger. First line: the PID alone (as systemd reads
// it); second line: the identity as JSON.
import { readFileSync } from "node:fs";
import { procStatField } from "../../host/proc-readers.js";
import { realpath, rm } from "node:fs/promises";
import path from "node:path";
import { acquireLock, type HeldLock, type LockHolder } from "./host-lock.js";
import { readNoFollow, replaceFile } from "./safe-open.js";
import { diskFaults } from "./disk-faults.js";

export interface ProcIdentity {
  startTime: string;
  argv: string[];
}

export type PidState =
  | { state: "running"; pid: number; rundir?: string }
  | { state: "stale"; pid: number; why: string }
  | { state: "absent" };

/** A process's start time (clock ticks since boot, field 22 of /proc/PID/stat) and argv. */
export function procIdentity(pid: number): ProcIdentity | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    if (argv.at(-1) === "") argv.pop();
    const startTime = procStatField(stat, 22);
    return startTime === undefined ? undefined : { startTime, argv };
  } catch {
    return undefined; // no such process (or no /proc)
  }
}

/** True when `pid` is still the very process `id` describes. */
export function isSameProcess(pid: number, id: ProcIdentity): boolean {
  const now = procIdentity(pid);
  return (
    now !== undefined &&
    now.startTime === id.startTime &&
    now.argv.length === id.argv.length &&
    now.argv.every((a, i) => a === id.argv[i])
  );
}

/** A pidfile of the version before identities: a daemon's argv is `node .../planctonctl ... nodaemon`. */
function looksLikeOldDaemon(pid: number): boolean {
  const argv = procIdentity(pid)?.argv ?? [];
  return argv.includes("nodaemon") && argv.slice(0, 2).some((a) => path.basename(a) === "planctonctl");
}

/** The pidfile's state; one not owned by root or this user is not read (absent). */
export async function readPidState(pidfile: string): Promise<PidState> {
  const text = await readNoFollow(pidfile, [0, process.getuid?.() ?? 0]);
  if (text === undefined) return { state: "absent" };
  const [first = "", second] = text.split("\n");
  const pid = Number.parseInt(first.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0 || String(pid) !== first.trim())
    return { state: "stale", pid: 0, why: "no PID in it" };
  if (!second)
    return looksLikeOldDaemon(pid)
      ? { state: "running", pid }
      : { state: "stale", pid, why: "no such daemon" };
  let id: ProcIdentity & { rundir?: string };
  try {
    id = JSON.parse(second) as ProcIdentity & { rundir?: string };
    if (typeof id.startTime !== "string" || !Array.isArray(id.argv)) throw new Error("no identity");
  } catch {
    return { state: "stale", pid, why: "an unreadable identity" };
  }
  if (!isSameProcess(pid, id))
    return {
      state: "stale",
      pid,
      why: procIdentity(pid) ? "the PID is now another process's" : "no such process",
    };
  return { state: "running", pid, rundir: typeof id.rundir === "string" ? id.rundir : undefined };
}

const held = new Map<string, HeldLock>();

/**
 * The lock of one pidfile: `<pidfile>.lock` beside it, in its real directory (one of the daemon's user's
 * own).
 */
async function pidfileLock(pidfile: string): Promise<string> {
  return path.join(await realpath(path.dirname(path.resolve(pidfile))), `${path.basename(pidfile)}.lock`);
}

/**
 * Takes the pidfile's lock for this process's life and writes the pidfile (a stale one is
 * replaced). Returns undefined when this process now owns it, else the PID of the daemon
 * that holds it (-1 when it does not say).
 */
export async function claimPidfile(
  pidfile: string,
  me: Omit<LockHolder, "pid"> = {},
): Promise<number | undefined> {
  const holder: LockHolder = { ...me, pid: process.pid, pidfile: path.resolve(pidfile) };
  const r = await acquireLock(await pidfileLock(pidfile), holder);
  if ("holder" in r) return r.holder?.pid ?? -1;
  try {
    const id = procIdentity(process.pid) ?? { startTime: "", argv: process.argv };
    await replaceFile(pidfile, `${process.pid}\n${JSON.stringify({ ...id, rundir: me.rundir })}\n`, 0o644);
  } catch (err) {
    // A full disk does not keep the daemon from running (the lock, not the file, makes it
    // the only one); status says the write was dropped. Any other error is fatal.
    if (!diskFaults.failed("run dir", err)) {
      await r.held.release();
      throw err;
    }
  }
  held.set(path.resolve(pidfile), r.held);
  return undefined;
}

/**
 * Removes the pidfile if it still names `pid` (a newer daemon may have replaced it), and lets its lock go.
 */
export async function removePidfile(pidfile: string, pid = process.pid): Promise<void> {
  const text = await readNoFollow(pidfile);
  if (text !== undefined && Number.parseInt(text, 10) === pid) await rm(pidfile, { force: true });
  const lock = held.get(path.resolve(pidfile));
  held.delete(path.resolve(pidfile));
  await lock?.release();
}
