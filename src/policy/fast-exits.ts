// A fast exit: a pilot that fails on its own soon after it starts. The history records it
// with reason "fast_exit"; crash-loop.ts counts the streak.
import type { PilotExit } from "./policy-types.js";

/** A pilot that exits on its own within this long of its start is a fast exit. */
export const FAST_EXIT_SECONDS = 10;

/**
 * A failure soon after the start: a non-zero exit code, or the OOM killer. Exit 0 is a
 * pilot that found no work; 137 and 143 (SIGKILL, SIGTERM without OOM) are someone
 * stopping it by hand.
 */
export function isFastExit(
  e: Pick<PilotExit, "reason" | "uptimeSeconds" | "exitCode" | "oomKilled">,
): boolean {
  if (e.reason !== "exited" || e.uptimeSeconds >= FAST_EXIT_SECONDS) return false;
  return (
    e.oomKilled === true ||
    (e.exitCode !== null && e.exitCode !== 0 && e.exitCode !== 137 && e.exitCode !== 143)
  );
}

/** The reason the history records for a pilot that ended: "fast_exit" for a fast exit. */
export function historyReason(
  e: Pick<PilotExit, "reason" | "uptimeSeconds" | "exitCode" | "oomKilled">,
): string {
  return isFastExit(e) ? "fast_exit" : e.reason;
}
