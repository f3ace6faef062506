// Crash-loop backoff (the kubelet's CrashLoopBackOff): pilots that fail on their own soon
// after they start are not relaunched at once. After each such fast exit the next launch
// waits longer (10 s, 20 s, 40 s, ... 10 min) and is one probe pilot; a pilot that lives
// FAST_EXIT_SECONDS ends the streak. Pure: decide() folds in the exits the caller saw.
import { doublingSeconds } from "./doubling.js";
import { FAST_EXIT_SECONDS, isFastExit } from "./fast-exits.js";
import type { CrashLoopState, PilotExit, PolicyPilot } from "./policy-types.js";

export type { CrashLoopState, PilotExit };

export const CRASH_BACKOFF_FIRST_SECONDS = 10;
export const CRASH_BACKOFF_MAX_SECONDS = 600;

/** The streak after a pilot ended: longer after a fast exit, over after a pilot that lived. */
export function recordExit(
  state: CrashLoopState | undefined,
  e: PilotExit,
  launch?: string,
): CrashLoopState | undefined {
  if (e.reason !== "exited") return state; // killed by the policy: says nothing of the command
  if (!isFastExit(e)) return e.uptimeSeconds >= FAST_EXIT_SECONDS ? undefined : state;
  return {
    fastExits: (state?.fastExits ?? 0) + 1,
    lastExitAtMs: e.endedAtMs,
    lastExitCode: e.exitCode,
    lastPilot: e.name,
    lastOutput: (e.lastOutput ?? "").slice(0, 120),
    ...(launch !== undefined ? { launch } : {}),
  };
}

/** A new image or command may be the fix: the next launch goes without the backoff. */
export function forgetOnLaunchChange(
  state: CrashLoopState | undefined,
  launch: string,
): CrashLoopState | undefined {
  return state?.launch !== undefined && state.launch !== launch ? undefined : state;
}

/**
 * The streak after the pilots that ended since the last decision, and the warning said
 * once per streak, when the second pilot in a row exits at once.
 */
export function crashLoopAfterExits(
  state: CrashLoopState | undefined,
  exits: readonly PilotExit[],
  launch: string,
): { state: CrashLoopState | undefined; warning?: string } {
  let next = forgetOnLaunchChange(state, launch);
  let warning: string | undefined;
  for (const e of exits) {
    const before = next?.fastExits ?? 0;
    next = recordExit(next, e, launch);
    if (next?.fastExits === 2 && before === 1)
      warning = `${crashLoopText(next)}; relaunching with a growing backoff (a pilot that lives ends it)`;
  }
  return { state: next, warning };
}

export function crashBackoffSeconds(fastExits: number): number {
  return doublingSeconds(fastExits, CRASH_BACKOFF_FIRST_SECONDS, CRASH_BACKOFF_MAX_SECONDS);
}

/** Ends the streak when a pilot started after the last fast exit has lived long enough. */
export function crashLoopAfter(
  state: CrashLoopState | undefined,
  pilots: readonly PolicyPilot[],
  nowMs: number,
): CrashLoopState | undefined {
  if (state === undefined) return undefined;
  const lived = pilots.some(
    (p) =>
      p.state === "running" &&
      p.createdAtMs > state.lastExitAtMs &&
      nowMs - p.createdAtMs >= FAST_EXIT_SECONDS * 1000,
  );
  return lived ? undefined : state;
}

/** "pilots exit at once (code 3, last output: "boom"): see planctonctl logs NAME". */
export function crashLoopText(s: CrashLoopState): string {
  const code = s.lastExitCode === null ? "exit code unknown" : `code ${s.lastExitCode}`;
  const output = s.lastOutput === "" ? "no output" : `last output: ${JSON.stringify(s.lastOutput)}`;
  return `pilots exit at once (${code}, ${output}): see planctonctl logs ${s.lastPilot}`;
}

/**
 * How many pilots may start, given what the other rules allow (`start`), and why fewer:
 * none during the backoff, then one probe at a time (none while a young one runs).
 */
export function crashLoopLimit(
  state: CrashLoopState | undefined,
  pilots: readonly PolicyPilot[],
  start: number,
  nowMs: number,
): { start: number; why?: string } {
  if (start === 0) return { start };
  // A young pilot exited: its exit is recorded once it is removed, so hold starts this round.
  const young = pilots.find(
    (p) => (p.state === "exited" || p.state === "dead") && nowMs - p.createdAtMs < FAST_EXIT_SECONDS * 1000,
  );
  if (young !== undefined) {
    const after = Math.round((nowMs - young.createdAtMs) / 1000);
    const why = `${young.name} exited ${after} s after its start: waiting for its exit before starting more`;
    return { start: 0, why: state === undefined ? why : `${crashLoopText(state)}; ${why}` };
  }
  if (state === undefined) return { start };
  const waitMs = state.lastExitAtMs + crashBackoffSeconds(state.fastExits) * 1000 - nowMs;
  const streak = `${state.fastExits} fast exit${state.fastExits === 1 ? "" : "s"} in a row`;
  if (waitMs > 0) {
    return {
      start: 0,
      why: `${crashLoopText(state)}; next try in ${Math.ceil(waitMs / 1000)} s (backoff after ${streak})`,
    };
  }
  const probing = pilots.some(
    (p) => (p.state === "running" || p.state === "created") && p.createdAtMs > state.lastExitAtMs,
  );
  if (probing)
    return {
      start: 0,
      why: `${crashLoopText(state)}; waiting to see if the last pilot started lives ${FAST_EXIT_SECONDS} s`,
    };
  return { start: 1, why: `${crashLoopText(state)}; trying one pilot (after ${streak})` };
}
