// The control files in rundir that planctonctl writes and the daemon obeys. They are
// plain files (0644) in a 0700 directory, so they survive a daemon restart. One that is
// not a regular file owned by the daemon's user or root is ignored, with a warning.
import { lstat, readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Control } from "../../vocabulary.js";
import { ensureOwnDir, RUNDIR_MODE } from "../process/own-dirs.js";
import { replaceFile } from "../process/safe-open.js";

export const CONTROL_FILES = { drain: "drain", drainStop: "stop", forceStop: "force-stop" } as const;
export type ControlName = keyof typeof CONTROL_FILES;

/** The control files in force (the policy's Control), and those present but not obeyed. */
export interface ControlState extends Control {
  /** Control files present but not obeyed, each with why (absent when none). */
  ignored?: string[];
}

/** Refuses (UnsafeDirError) a rundir the daemon's user does not own, or others can write. */
export async function ensureRundir(rundir: string): Promise<void> {
  await ensureOwnDir(rundir, "rundir", RUNDIR_MODE, "--rundir");
}

export async function readControl(rundir: string): Promise<ControlState> {
  let names: string[] = [];
  try {
    names = await readdir(rundir);
  } catch {
    // no rundir yet: no control file
  }
  const uid = process.getuid?.() ?? 0;
  const ignored: string[] = [];
  const has = async (n: ControlName): Promise<boolean> => {
    if (!names.includes(CONTROL_FILES[n])) return false;
    const file = path.join(rundir, CONTROL_FILES[n]);
    const st = await lstat(file).catch(() => undefined);
    if (st === undefined) return false; // removed meanwhile
    if (!st.isFile()) ignored.push(`${file} is not a regular file: ignored (remove it)`);
    else if (st.uid !== uid && st.uid !== 0)
      ignored.push(
        `${file} belongs to uid ${st.uid}, neither the daemon's user (uid ${uid}) nor root: ` +
          `ignored (remove it)`,
      );
    else return true;
    return false;
  };
  const drainStop = await has("drainStop");
  const drain = await has("drain");
  const forceStop = await has("forceStop");
  const state: ControlState = { draining: drain || drainStop, drainStop, forceStop };
  if (ignored.length > 0) state.ignored = ignored;
  return state;
}

export async function setControl(rundir: string, name: ControlName): Promise<void> {
  await ensureRundir(rundir);
  await replaceFile(path.join(rundir, CONTROL_FILES[name]), `${new Date().toISOString()}\n`, 0o644);
}

export async function clearControl(rundir: string, name: ControlName): Promise<void> {
  await rm(path.join(rundir, CONTROL_FILES[name]), { force: true });
}
