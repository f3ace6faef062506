// SIGTERM or SIGKILL: a kill that gives the owner's resources back never waits; the
// others (ttl, schedule, evict_when, force_stop) get SIGTERM and stop_grace to end
// their work, then SIGKILL. Exited and never-started pilots are removed, not signalled.
import type { KillAction, KillReason, PilotAction } from "./policy-types.js";

const GRACEFUL_REASONS: ReadonlySet<KillReason> = new Set<KillReason>([
  "ttl",
  "schedule",
  "evict_when",
  "force_stop",
]);

/** The signal and grace of a kill for this reason (stop_grace 0: SIGKILL at once). */
export function stopSignal(
  reason: KillReason,
  stopGraceSeconds: number,
): Pick<KillAction, "signal" | "graceSeconds"> {
  return stopGraceSeconds > 0 && GRACEFUL_REASONS.has(reason)
    ? { signal: "TERM", graceSeconds: stopGraceSeconds }
    : { signal: "KILL", graceSeconds: 0 };
}

export function withSignal(a: PilotAction<KillReason>, stopGraceSeconds: number): KillAction {
  return { ...a, ...stopSignal(a.reason, stopGraceSeconds) };
}

/** Exit code of a process ended by SIGKILL (128 + 9). */
const SIGKILL_EXIT = 137;

/** Which signal ended a graceful stop: SIGKILL when it exited 137 once the grace ran out
 *  (a pilot may exit 137 by itself earlier; 10% slack for the engine's own timing). */
export function signalThatEnded(
  exitCode: number | null | undefined,
  stoppedForMs: number,
  graceSeconds: number,
): "TERM" | "KILL" {
  return exitCode === SIGKILL_EXIT && stoppedForMs >= graceSeconds * 1000 * 0.9 ? "KILL" : "TERM";
}
