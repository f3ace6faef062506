// The history record of a pilot that ended by our hand: its times from the engine when
// it answers, and which signal ended a graceful stop (policy/stop-signal.ts reads it).
import { signalThatEnded } from "../../policy/stop-signal.js";
import type { PilotAction, KillReason } from "../../policy/policy-types.js";
import type { ExitInfo, PilotInfo } from "../../runtime/engine.js";
import type { PilotRecord } from "./history.js";

/** stopAtMs: when a graceful stop began (the signal is then read from the exit code). */
export function recordOf(
  a: PilotAction<KillReason>,
  pilot: PilotInfo | undefined,
  exit: ExitInfo | undefined,
  nowMs: number,
  signal: "TERM" | "KILL" | undefined,
  stopAtMs: number | undefined,
  stopGraceSeconds: number,
): PilotRecord {
  if (stopAtMs !== undefined) signal = signalThatEnded(exit?.exitCode, nowMs - stopAtMs, stopGraceSeconds);
  const endedAtMs = exit?.finishedAtMs && exit.finishedAtMs > 0 ? exit.finishedAtMs : nowMs;
  const startedAtMs =
    exit?.startedAtMs && exit.startedAtMs > 0 ? exit.startedAtMs : (pilot?.createdAtMs ?? endedAtMs);
  return {
    id: a.id,
    name: pilot?.name ?? a.name,
    image: pilot?.image ?? "",
    startedAtMs,
    endedAtMs,
    uptimeSeconds: Math.max(0, Math.round((endedAtMs - startedAtMs) / 1000)),
    exitCode: exit?.exitCode ?? null,
    reason: a.reason,
    ...(exit?.oomKilled ? { oomKilled: true } : {}),
    ...(signal !== undefined ? { signal, graceful: signal === "TERM" } : {}),
  };
}
