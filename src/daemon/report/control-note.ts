// A control file in force, said so that an admin sees why no pilot starts and how to end
// it: "draining (since TIME, by the drain file PATH; planctonctl resume to end it)".
import { stat } from "node:fs/promises";
import path from "node:path";
import { formatIsoTime } from "../../config/units.js";
import { CONTROL_FILES, type ControlName } from "../owners/control-files.js";

async function since(rundir: string, name: ControlName): Promise<{ file: string; at: string } | undefined> {
  const file = path.join(rundir, CONTROL_FILES[name]);
  const st = await stat(file).catch(() => undefined);
  return st ? { file, at: formatIsoTime(st.mtimeMs) } : undefined;
}

/** undefined when no control file holds pilots back. */
export async function controlNote(rundir: string): Promise<string | undefined> {
  const force = await since(rundir, "forceStop");
  if (force) {
    const by = `since ${force.at}, by the force-stop file ${force.file}`;
    return `force-stop (${by}): every pilot is killed, then the daemon exits`;
  }
  const stop = await since(rundir, "drainStop");
  if (stop) {
    const by = `since ${stop.at}, by the stop file ${stop.file}`;
    const then = "no new pilot, the daemon exits once none is left; planctonctl resume to cancel it";
    return `drain-stop (${by}): ${then}`;
  }
  const drain = await since(rundir, "drain");
  if (drain)
    return `draining (since ${drain.at}, by the drain file ${drain.file}; planctonctl resume to end it)`;
  return undefined;
}
