// planctonctl drain / drain-stop / resume: they write or remove the control files, and
// say what that means whether a daemon runs or not.
import { existsSync } from "node:fs";
import path from "node:path";
import { clearControl, CONTROL_FILES, setControl, type ControlName } from "../daemon/owners/control-files.js";
import { readPidState } from "../daemon/process/pidfile.js";
import type { ResolvedPaths } from "./paths-from-options.js";

const say = (s: string) => process.stdout.write(`${s}\n`);
const running = async (p: ResolvedPaths) => (await readPidState(p.pidfile)).state === "running";

export async function drain(p: ResolvedPaths): Promise<number> {
  await setControl(p.rundir, "drain");
  if (await running(p))
    say("draining: no new pilot will start; running pilots finish (planctonctl resume to end it)");
  else
    say(
      `plancton is not running: the drain file is set ` +
        `(${path.join(p.rundir, CONTROL_FILES.drain)}), so the next start starts no pilot until ` +
        `planctonctl resume`,
    );
  return 0;
}

export async function drainStop(p: ResolvedPaths): Promise<number> {
  if (!(await running(p))) {
    // Nothing to stop: a file written now would make the next start exit at once.
    say(
      "plancton is not running: nothing to drain-stop (no control file written; pilots still " +
        "running are adopted at the next start, planctonctl force-stop removes them)",
    );
    return 0;
  }
  await setControl(p.rundir, "drain");
  await setControl(p.rundir, "drainStop");
  say(
    "drain-stop: no new pilot; the daemon exits once no pilot is left (the drain file stays: " +
      "planctonctl resume before the next start)",
  );
  return 0;
}

export async function resume(p: ResolvedPaths): Promise<number> {
  const names: ControlName[] = ["drain", "drainStop"];
  const present = names.filter((n) => existsSync(path.join(p.rundir, CONTROL_FILES[n])));
  for (const n of names) await clearControl(p.rundir, n);
  const up = await running(p);
  if (present.length === 0)
    say(`${up ? "" : "plancton is not running; "}it was not draining: nothing to resume`);
  else if (up) say("resumed: pilots may start again");
  else
    say(
      `plancton is not running: removed the ${present.map((n) => CONTROL_FILES[n]).join(" and ")} ` +
        `file${present.length > 1 ? "s" : ""}; pilots start at the next start`,
    );
  return 0;
}
