// The pidfile: written by the daemon once it runs, read by planctonctl. A pidfile whose
// process is gone (or is not Plancton: the PID was reused) is stale.
import { readFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

export type PidState = { state: "running"; pid: number } | { state: "stale"; pid: number } | { state: "absent" };

export async function readPidState(pidfile: string): Promise<PidState> {
  let text: string;
  try {
    text = await readFile(pidfile, "utf8");
  } catch {
    return { state: "absent" };
  }
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) return { state: "stale", pid: 0 };
  return isPlanctonProcess(pid) ? { state: "running", pid } : { state: "stale", pid };
}

export function isPlanctonProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    return /plancton/.test(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** Removes the pidfile if it still names `pid` (a newer daemon may have replaced it). */
export async function removePidfile(pidfile: string, pid = process.pid): Promise<void> {
  try {
    if (Number.parseInt((await readFile(pidfile, "utf8")).trim(), 10) === pid) await rm(pidfile, { force: true });
  } catch {
    // already gone
  }
}

/**
 * Claims the pidfile atomically (O_EXCL), replacing a stale one. Returns undefined when
 * this process now owns it, or the PID of the daemon that already runs.
 */
export async function claimPidfile(pidfile: string, pid = process.pid): Promise<number | undefined> {
  await mkdir(path.dirname(pidfile), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(pidfile, `${pid}\n`, { mode: 0o644, flag: "wx" });
      return undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const state = await readPidState(pidfile);
    if (state.state === "running") return state.pid;
    await rm(pidfile, { force: true }); // stale: take it over
  }
  const state = await readPidState(pidfile);
  return state.state === "running" ? state.pid : -1;
}
