// The one word status shows for a decision: the strongest reason the host is not simply
// "active" (control files first, then pressure, schedule, image, grace_spawn, crash loop).
import type { Control, Mode } from "./policy-types.js";

export interface ModeFacts {
  readonly underPressure: boolean;
  readonly inWindow: boolean;
  readonly imageReady: boolean;
  readonly graceSpawnBlocks: boolean;
  readonly crashHolds: boolean;
}

/** Force-stop has its own early decision in decide(). */
export function modeOf(control: Control, f: ModeFacts): Mode {
  if (control.drainStop) return "drain-stop";
  if (control.draining) return "draining";
  if (f.underPressure) return "pressure";
  if (!f.inWindow) return "outside-schedule";
  if (!f.imageReady) return "no-image";
  if (f.graceSpawnBlocks) return "grace-spawn";
  if (f.crashHolds) return "crash-loop";
  return "active";
}
