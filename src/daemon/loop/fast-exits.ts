// A finished pilot as the crash-loop backoff sees it: a fast exit is recorded in the
// history with reason "fast_exit", and counted, with its last line of output, in the
// policy's crash-loop state.
import { readFileSync } from "node:fs";
import { crashLoopText, isFastExit, recordExit, type CrashLoopState } from "../../policy/crash-loop.js";
import type { PilotRecord } from "../report/history.js";
import { pilotLogFile } from "../report/pilot-logs.js";

export interface FastExitOutcome {
  record: PilotRecord;
  crashLoop: CrashLoopState | undefined;
  /** Said once per streak, when the second pilot in a row exits at once. */
  warning?: string;
}

export function onPilotFinished(
  rec: PilotRecord,
  before: CrashLoopState | undefined,
  logdir: string,
): FastExitOutcome {
  const fast = isFastExit(rec);
  const crashLoop = recordExit(before, {
    ...rec,
    lastOutput: fast ? lastLine(pilotLogFile(logdir, rec.name)) : undefined,
  });
  return {
    record: fast ? { ...rec, reason: "fast_exit" } : rec,
    crashLoop,
    warning:
      crashLoop?.fastExits === 2
        ? `${crashLoopText(crashLoop)}; relaunching with a growing backoff (a pilot that lives ends it)`
        : undefined,
  };
}

/** The last non-empty line of the output kept for a pilot ("" when none). */
function lastLine(file: string): string {
  try {
    const lines = readFileSync(file, "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    return lines.at(-1) ?? "";
  } catch {
    return "";
  }
}
