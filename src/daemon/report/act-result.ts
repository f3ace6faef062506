// What act() did in one tick: the pilots started, and how many were killed, paused,
// resumed and removed. act() fills it; the metrics count it.
import type { PilotInfo } from "../../runtime/engine.js";

export interface ActResult {
  started: PilotInfo[];
  killed: number;
  paused: number;
  resumed: number;
  removed: number;
  launchError?: string;
}
