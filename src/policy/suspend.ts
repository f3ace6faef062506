// Giving the CPU back to the owner, and taking it again.
//
// Pause: when the overhead rule (overhead.ts) has held for grace_kill, pause the
// youngest running pilots, as many as it takes for the LOWEST owner CPU seen during
// that grace to fit under the limit again (the owner's demand that held the whole time,
// so a noise spike at the last sample cannot take more pilots); then the grace starts
// over with the pilots left. With suspend_grace 0 the same pilots are killed instead.
// Expire: a pilot paused longer than suspend_grace is killed (suspend_expired).
// Resume: when one more pilot has fitted by the start rule for resume_after (at idle
// priority the idle start rule, whose slack forgives the daemon's own and the engine's
// crumbs of CPU: without it the second 1-CPU pilot on 2 CPUs waited for an owner at
// exactly 0 % and stayed paused until suspend_grace), resume the
// OLDEST paused pilots (the most work done, as BOINC resumes the most progressed task:
// the mirror of pausing youngest first), as many as fit at the HIGHEST owner CPU seen
// during that wait; then the wait starts over.
// suspend_when (suspend-when.ts): while it holds, every running pilot is paused at once
// and none resumes; the resume wait starts when it turns false.
import { heldFor, secondsLeft } from "./held.js";
import { cores, type ActionLine } from "./explain.js";
import { pilotsThatFit } from "./fitting.js";
import { pilotsThatFitIdle } from "./harvest.js";
import { isOverhead, oneMoreFits, overheadLimit, ownerRoom, type CpuShape } from "./overhead.js";
import type { KillReason, PauseReason, PilotAction, PolicyPilot, UnpauseReason } from "./policy-types.js";

/** A condition that has held since `sinceMs`, with the owner CPU extreme seen meanwhile. */
export interface HeldWindow {
  readonly sinceMs: number;
  readonly ownerCpu: number;
}

export interface SuspendInput {
  readonly ownerCpu: number;
  readonly shape: CpuShape;
  /** Running pilots no other rule acts on, youngest first. */
  readonly running: readonly PolicyPilot[];
  /** Paused pilots no other rule acts on, youngest first. */
  readonly paused: readonly PolicyPilot[];
  readonly pausedSinceMs: Readonly<Record<string, number>>;
  readonly graceKillSeconds: number;
  readonly suspendGraceSeconds: number;
  readonly resumeAfterSeconds: number;
  /** False under pressure or while evict_when holds: nothing resumes. */
  readonly mayResume: boolean;
  /** Pilots at idle priority: they resume by the idle start rule (harvest.ts). */
  readonly idlePriority?: boolean;
  /** suspend_when holds, and why: pause every running pilot now, resume none. */
  readonly suspendWhy?: string;
  /** Overhead held since, with the lowest owner CPU meanwhile. */
  readonly overhead: HeldWindow | undefined;
  /** One more pilot fitted since, with the highest owner CPU meanwhile. */
  readonly low: HeldWindow | undefined;
  readonly nowMs: number;
}

export interface SuspendOutput {
  readonly pause: PilotAction<PauseReason>[];
  readonly unpause: PilotAction<UnpauseReason>[];
  readonly kill: PilotAction<Extract<KillReason, "overhead" | "suspend_expired" | "suspend_when">>[];
  readonly overhead: HeldWindow | undefined;
  readonly low: HeldWindow | undefined;
  readonly explain: (string | ActionLine)[];
}

export function suspendStep(input: SuspendInput): SuspendOutput {
  const { ownerCpu, shape, nowMs } = input;
  const pause: PilotAction<PauseReason>[] = [];
  const unpause: PilotAction<UnpauseReason>[] = [];
  const kill: PilotAction<Extract<KillReason, "overhead" | "suspend_expired" | "suspend_when">>[] = [];
  const explain: (string | ActionLine)[] = [];
  const ofCpus = `of ${shape.ncpus} CPUs`;

  // Paused too long: the owner kept the CPU, the pilot's slot goes.
  let paused = input.paused;
  if (input.suspendGraceSeconds > 0) {
    const keep: PolicyPilot[] = [];
    for (const p of paused) {
      const since = input.pausedSinceMs[p.id] ?? nowMs;
      if (heldFor(since, nowMs, input.suspendGraceSeconds)) {
        kill.push({ id: p.id, name: p.name, reason: "suspend_expired" });
        explain.push({
          verb: "kill",
          name: p.name,
          reason: "suspend_expired",
          why:
            `paused ${Math.floor((nowMs - since) / 1000)} s >= ` +
            `suspend_grace ${input.suspendGraceSeconds} s`,
        });
      } else {
        keep.push(p);
      }
    }
    paused = keep;
  }

  if (input.suspendWhy !== undefined) {
    const why = input.suspendWhy;
    for (const p of input.running) {
      const verb = input.suspendGraceSeconds > 0 ? "pause" : "kill";
      (verb === "pause" ? pause : kill).push({ id: p.id, name: p.name, reason: "suspend_when" });
      explain.push({ verb, name: p.name, reason: "suspend_when", why });
    }
    if (paused.length > 0) explain.push(`${paused.length} paused: ${why}`);
    return { pause, unpause, kill, overhead: undefined, low: undefined, explain };
  }

  const running = input.running.length;
  const overheadNow = isOverhead(ownerCpu, running, shape);
  let overhead: HeldWindow | undefined = overheadNow
    ? {
        sinceMs: input.overhead?.sinceMs ?? nowMs,
        ownerCpu: Math.min(input.overhead?.ownerCpu ?? ownerCpu, ownerCpu),
      }
    : undefined;
  if (overhead !== undefined) {
    const limit = overheadLimit(running, shape);
    const why =
      `owner uses ${cores(ownerCpu, shape.ncpus)} > ${cores(limit, shape.ncpus)} ${ofCpus} (left ` +
      `by ${running} running: ${cores(ownerRoom(running, shape), shape.ncpus)}, + ` +
      `margin ${shape.overheadMarginPercent}%)`;
    if (heldFor(overhead.sinceMs, nowMs, input.graceKillSeconds)) {
      let n = 1;
      while (n < running && overhead.ownerCpu > overheadLimit(running - n, shape)) n++;
      const heldS = Math.floor((nowMs - overhead.sinceMs) / 1000);
      const lowest = `lowest ${cores(overhead.ownerCpu, shape.ncpus)} over ${heldS} s`;
      for (const p of input.running.slice(0, n)) {
        const verb = input.suspendGraceSeconds > 0 ? "pause" : "kill";
        (verb === "pause" ? pause : kill).push({ id: p.id, name: p.name, reason: "overhead" });
        explain.push({ verb, name: p.name, reason: "overhead", why: `${why}, ${lowest}` });
      }
      overhead = undefined;
    } else {
      explain.push(
        `overhead: ${why}; grace_kill ${secondsLeft(overhead.sinceMs, nowMs, input.graceKillSeconds)} s left`,
      );
    }
  }

  // Resume when one more running pilot fits by the start rule (well below the overhead
  // limit), held for resume_after.
  let low: HeldWindow | undefined;
  if (paused.length > 0 && !overheadNow) {
    // How many pilots in all the start rule fits at this owner CPU.
    const fitting = (owner: number) =>
      input.idlePriority
        ? pilotsThatFitIdle(owner, shape.ncpus, shape.cpusPerDock, shape.overheadMarginPercent)
        : pilotsThatFit(owner, shape.ncpus, shape.cpusPerDock);
    const fits =
      input.mayResume &&
      (input.idlePriority
        ? fitting(ownerCpu) >= running + 1 && running + 1 <= shape.maxDocks
        : oneMoreFits(ownerCpu, running, shape));
    low = fits
      ? {
          sinceMs: input.low?.sinceMs ?? nowMs,
          ownerCpu: Math.max(input.low?.ownerCpu ?? ownerCpu, ownerCpu),
        }
      : undefined;
    if (low !== undefined && heldFor(low.sinceMs, nowMs, input.resumeAfterSeconds)) {
      const room = fitting(low.ownerCpu) - running;
      const n = Math.min(paused.length, Math.max(1, room));
      const heldS = Math.floor((nowMs - low.sinceMs) / 1000);
      for (const p of paused.slice(-n).reverse()) {
        unpause.push({ id: p.id, name: p.name, reason: "owner_low" });
        explain.push({
          verb: "unpause",
          name: p.name,
          reason: "owner_low",
          why:
            `owner uses at most ${cores(low.ownerCpu, shape.ncpus)} ${ofCpus} over ${heldS} s, room ` +
            `for ${running + n} running`,
        });
      }
      low = undefined;
    } else if (low !== undefined) {
      explain.push(
        `${paused.length} paused: resume ` +
          `in ${secondsLeft(low.sinceMs, nowMs, input.resumeAfterSeconds)} s if the owner stays low`,
      );
    } else if (input.mayResume) {
      explain.push(
        `${paused.length} paused: owner uses ${cores(ownerCpu, shape.ncpus)} ${ofCpus}, no room ` +
          `for ${running + 1} running`,
      );
    }
  }
  return { pause, unpause, kill, overhead, low, explain };
}
