// The control files in rundir that planctonctl writes and the daemon obeys. They are
// plain files (0644) in a 0700 directory, so they survive a daemon restart.
import { chmod, mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";

export const CONTROL_FILES = { drain: "drain", drainStop: "stop", forceStop: "force-stop" } as const;
export type ControlName = keyof typeof CONTROL_FILES;

export interface ControlState { draining: boolean; drainStop: boolean; forceStop: boolean }

export async function ensureRundir(rundir: string): Promise<void> {
  const created = await mkdir(rundir, { recursive: true, mode: 0o700 });
  if (created !== undefined) return;
  // Never chmod a directory we did not make (think --rundir /tmp); refuse a shared one.
  if ((await stat(rundir)).mode & 0o022) throw new Error(`${rundir} is writable by others: give Plancton a run directory of its own (--rundir)`);
}

export async function readControl(rundir: string): Promise<ControlState> {
  let names: string[] = [];
  try {
    names = await readdir(rundir);
  } catch {
    // no rundir yet: no control file
  }
  const has = (n: ControlName) => names.includes(CONTROL_FILES[n]);
  const drainStop = has("drainStop");
  return { draining: has("drain") || drainStop, drainStop, forceStop: has("forceStop") };
}

export async function setControl(rundir: string, name: ControlName): Promise<void> {
  await ensureRundir(rundir);
  const file = path.join(rundir, CONTROL_FILES[name]);
  await writeFile(file, `${new Date().toISOString()}\n`, { mode: 0o644 });
  await chmod(file, 0o644);
}

export async function clearControl(rundir: string, name: ControlName): Promise<void> {
  await rm(path.join(rundir, CONTROL_FILES[name]), { force: true });
}
