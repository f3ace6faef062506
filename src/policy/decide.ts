// decide(): one pure step of the reconciler. One DecideInput in (observation, pilots,
// config, control, image status, the remembered state, the time, the listing, the exits
// seen); actions (each kill with its signal), an explanation and the next state out.
// No I/O, no clock: the time is `nowMs`.
// Order of the rules (a pilot gets at most one action; the first rule that picks it wins):
//   0. the exits seen since the last decision feed the crash loop (crash-loop.ts)
//   1. exited/dead -> remove; "created" too long, or left by a launch that cannot go on
//      (stale-created.ts) -> remove (never_started); a pilot under our graceful stop: none
//   2. force-stop: kill every pilot, start nothing, exit once none is left (nor a stop in flight)
//   3. max_ttl -> kill (ttl)
//   4. memory / disk pressure held for pressure_grace, or the owner's memory stall (PSI) at
//      once -> kill (per fresh sample; pressure-step.ts): for memory the fewest pilots whose
//      own memory covers the deficit (memory-victims.ts), for disk the youngest
//   5. outside the schedule with schedule_drain -> kill all (schedule)
//   6. evict_when true -> kill the youngest (one per decision)
//   7. overhead (owner's CPU, see overhead.ts) held for grace_kill -> pause (suspend_grace > 0)
//      or kill the youngest running, as many as needed; paused past suspend_grace -> kill;
//      owner low for resume_after -> unpause the oldest paused, as many as fit (suspend.ts)
//      suspend_when true -> pause every running pilot at once, resume none (suspend-when.ts)
//   8. start: min(fitting (harvest.ts), room under max_docks / max_pilots, docks_per_loop),
//      unless a blocker holds (drain, no image, schedule, pressure, expressions, paused
//      pilots, grace_spawn after a kill); one probe pilot at a time in a crash loop
//   9. pull: at start, on image change, every image_expiration, failed pulls backed off
//   Each kill then gets its signal: SIGTERM and stop_grace, or SIGKILL at once (stop-signal.ts)
import { crashLoopAfter, crashLoopAfterExits } from "./crash-loop.js";
import { formatTime, plural, type ActionLine } from "./explain.js";
import { evaluateExpressions } from "./expressions.js";
import { finish } from "./decision-finish.js";
import { heldFor, heldWindow, secondsLeft } from "./held.js";
import type { CpuShape } from "./overhead.js";
import { modeOf } from "./mode.js";
import { holdsSlot, youngestFirst } from "./pilots.js";
import { memoryVictims } from "./memory-victims.js";
import { pressureStep } from "./pressure-step.js";
import { pullVerdict } from "./pull.js";
import { inSchedule, localTimeOf } from "./schedule-window.js";
import { suspendStep, type HeldWindow } from "./suspend.js";
import { staleCreatedWhy } from "./stale-created.js";
import { startCount } from "./start-count.js";
import { suspendWhenVerdict } from "./suspend-when.js";
import { ageVerdict } from "./ttl.js";
import {
  NEVER_STARTED_SECONDS,
  type DecideInput,
  type Decision,
  type KillReason,
  type PauseReason,
  type PilotAction,
  type PolicyPilot,
  type PolicyState,
  type UnpauseReason,
} from "./policy-types.js";

/** Kills that give resources back start grace_spawn; ttl, exited, force_stop do not. */
const EVICTABLE: ReadonlySet<string> = new Set(["running", "paused", "restarting"]);
const KILLS_STARTING_GRACE_SPAWN: ReadonlySet<KillReason> = new Set<KillReason>([
  "overhead",
  "suspend_expired",
  "mem_pressure",
  "disk_pressure",
  "evict_when",
  "schedule",
  "suspend_when",
]);

export function decide(input: DecideInput): Decision {
  const { obs, pilots, cfg, control, image, nowMs } = input;
  const explain: (string | ActionLine)[] = [];
  const problems: string[] = [];
  const kill: PilotAction<KillReason>[] = [];
  const remove: PilotAction<KillReason>[] = [];
  let pause: PilotAction<PauseReason>[] = [];
  let unpause: PilotAction<UnpauseReason>[] = [];
  const handled = new Set<string>();
  const ordered = youngestFirst(pilots);
  // The exits seen since the last decision, and a new image or command, first (crash-loop.ts).
  const exits = crashLoopAfterExits(input.state.crashLoop, input.exits ?? [], cfg.launch);
  if (exits.warning !== undefined) problems.push(exits.warning);
  const state: PolicyState = { ...input.state, crashLoop: exits.state };
  const staleWhy = staleCreatedWhy(input.listing);
  const act = (
    list: PilotAction<KillReason>[],
    verb: "kill" | "remove",
    p: PolicyPilot,
    reason: KillReason,
    why: string,
  ): void => {
    handled.add(p.id);
    list.push({ id: p.id, name: p.name, reason, why });
    explain.push({ verb, name: p.name, reason, why });
  };
  /** Running, paused or restarting, and picked by no rule yet: youngest first. */
  const evictable = () => ordered.filter((p) => !handled.has(p.id) && EVICTABLE.has(p.state));
  const youngestEvictable = (): PolicyPilot | undefined => evictable()[0];

  // When each paused pilot was paused (as asked by a decision, else when first seen so).
  const pausedSinceMs: Record<string, number> = {};
  for (const p of ordered) {
    if (p.state === "paused") pausedSinceMs[p.id] = state.pausedSinceMs[p.id] ?? nowMs;
  }
  const noneLeft = pilots.every((p) => p.state === "removing" && p.stopping !== true);

  // 1. exited, never started; max_ttl comes after force-stop so force_stop names the kills.
  for (const p of ordered) {
    if (p.stopping === true) continue; // its stop records how it ended (an urgent kill may still pick it)
    if (p.state === "created" && staleWhy !== undefined) {
      act(remove, "remove", p, "never_started", staleWhy);
      continue;
    }
    const v = ageVerdict(p, nowMs, cfg.maxTtlSeconds, NEVER_STARTED_SECONDS);
    if (v !== undefined && v.action === "remove") act(remove, "remove", p, v.reason, v.why);
  }

  // 2. force-stop
  if (control.forceStop) {
    for (const p of ordered) {
      if (!handled.has(p.id) && holdsSlot(p.state)) act(kill, "kill", p, "force_stop", "force-stop asked");
    }
    explain.push(noneLeft ? "force-stop: no pilot left, exit" : "no start: force-stop");
    return finish(
      { start: 0, pause, unpause, kill, remove, pull: false, exit: noneLeft, mode: "force-stop", explain },
      {
        ...state,
        overheadSinceMs: undefined,
        overheadMinOwnerCpu: undefined,
        lowSinceMs: undefined,
        lowMaxOwnerCpu: undefined,
        pausedSinceMs,
      },
      problems,
      cfg.stopGraceSeconds,
    );
  }

  // 3. max_ttl
  for (const p of ordered) {
    if (handled.has(p.id)) continue;
    const v = ageVerdict(p, nowMs, cfg.maxTtlSeconds, NEVER_STARTED_SECONDS);
    if (v !== undefined && v.action === "kill") act(kill, "kill", p, v.reason, v.why);
  }

  // 4. pressure (pressure-step.ts)
  const pressure = pressureStep(obs, cfg, state, nowMs, {
    victim: youngestEvictable,
    memoryVictims: (deficitBytes) => memoryVictims(evictable(), deficitBytes),
    kill: (p, reason, why) => act(kill, "kill", p, reason, why),
    explain: (line) => explain.push(line),
  });
  problems.push(...pressure.problems);
  const { mem, disk, underPressure } = pressure;

  // 5. schedule
  const inWindow = cfg.schedule.length === 0 || inSchedule(cfg.schedule, localTimeOf(obs, nowMs));
  if (!inWindow && cfg.scheduleDrain) {
    for (const p of ordered) {
      if (!handled.has(p.id) && holdsSlot(p.state))
        act(kill, "kill", p, "schedule", "outside the schedule, schedule_drain");
    }
  }

  // 6. expressions; an error means the safe decision: start nothing, evict nothing.
  const exprs = evaluateExpressions(cfg, obs);
  problems.push(...exprs.errors.map((e) => `${e}: starting and evicting nothing by expression`));
  const exprError = exprs.errors.length > 0;
  const evictWhen = !exprError && exprs.evictWhen === true;
  if (evictWhen) {
    const victim = youngestEvictable();
    if (victim !== undefined)
      act(kill, "kill", victim, "evict_when", `"${cfg.evictWhen?.source ?? ""}" is true (youngest)`);
  }

  // 7. overhead, suspend, resume: on the owner's CPU; suspend_when pauses them all.
  const suspend = suspendWhenVerdict(cfg, obs);
  if (suspend.problem !== undefined) problems.push(suspend.problem);
  const ncpus = obs.ncpus;
  const ownerCpu = obs.cpu_owner;
  const cpuKnown =
    ncpus !== undefined &&
    ownerCpu !== undefined &&
    Number.isFinite(ncpus) &&
    ncpus > 0 &&
    Number.isFinite(ownerCpu);
  if (!cpuKnown)
    problems.push("observation has no valid cpu_owner and ncpus: starting nothing, no overhead rule");
  const shape: CpuShape = {
    ncpus: cpuKnown ? ncpus : 1,
    cpusPerDock: cfg.cpusPerDock,
    maxDocks: cfg.maxDocks,
    overheadMarginPercent: cfg.overheadMarginPercent,
  };
  let overhead: HeldWindow | undefined;
  let low: HeldWindow | undefined;
  if (cpuKnown) {
    const step = suspendStep({
      ownerCpu,
      shape,
      running: ordered.filter((p) => p.state === "running" && !handled.has(p.id)),
      paused: ordered.filter((p) => p.state === "paused" && !handled.has(p.id)),
      pausedSinceMs,
      graceKillSeconds: cfg.graceKillSeconds,
      suspendGraceSeconds: cfg.suspendGraceSeconds,
      resumeAfterSeconds: cfg.resumeAfterSeconds,
      mayResume: !underPressure && !evictWhen && suspend.why === undefined,
      idlePriority: cfg.cpuPriority === "idle",
      suspendWhy: suspend.why,
      overhead: heldWindow(state.overheadSinceMs, state.overheadMinOwnerCpu),
      low: heldWindow(state.lowSinceMs, state.lowMaxOwnerCpu),
      nowMs,
    });
    for (const k of step.kill) {
      handled.add(k.id);
      kill.push(k);
    }
    for (const a of [...step.pause, ...step.unpause]) handled.add(a.id);
    pause = step.pause;
    unpause = step.unpause;
    // Time a pause from when it was asked for, not from when it is first seen.
    for (const a of pause) pausedSinceMs[a.id] = nowMs;
    explain.push(...step.explain);
    overhead = step.overhead;
    low = step.low;
  }

  const lastKillAtMs = kill.some((k) => KILLS_STARTING_GRACE_SPAWN.has(k.reason))
    ? nowMs
    : state.lastKillAtMs;

  // 9 (before 8, which needs to know if an image is usable). Pull.
  const pull = pullVerdict(cfg.image, cfg.imageExpirationSeconds, image, nowMs);
  const imageReady = image.image !== undefined && image.image === cfg.image;

  // 8. start
  const blockers: string[] = [];
  if (control.drainStop) blockers.push(noneLeft ? "drain-stop: no pilot left, exit" : "drain-stop");
  else if (control.draining) blockers.push("draining");
  if (!imageReady)
    blockers.push(`no image (${cfg.image} not present${image.pulling === true ? ", pulling" : ""})`);
  if (!inWindow) blockers.push(`outside the schedule${cfg.scheduleDrain ? " (schedule_drain)" : ""}`);
  if (mem.met) blockers.push(`mem_pressure: ${mem.text}`);
  if (disk.met) blockers.push(`disk_pressure: ${disk.text}`);
  if (underPressure && !mem.met && !disk.met)
    blockers.push(`pressure ended less than pressure_grace ${cfg.pressureGraceSeconds} s ago`);
  if (!cpuKnown) blockers.push("no CPU observation");
  if (exprError) blockers.push("expression error (safe decision)");
  if (!exprError && exprs.spawnWhen === false)
    blockers.push(`spawn_when is false ("${cfg.spawnWhen?.source ?? ""}")`);
  if (suspend.why !== undefined) blockers.push(suspend.why);
  if (evictWhen) blockers.push(`evict_when is true ("${cfg.evictWhen?.source ?? ""}")`);
  const pausedLeft = ordered.filter((p) => p.state === "paused" && !handled.has(p.id)).length;
  if (pausedLeft > 0) blockers.push(`${plural(pausedLeft, "pilot")} paused: resume first`);
  const graceSpawnBlocks = lastKillAtMs !== undefined && !heldFor(lastKillAtMs, nowMs, cfg.graceSpawnSeconds);
  if (graceSpawnBlocks && lastKillAtMs !== undefined) {
    const left = secondsLeft(lastKillAtMs, nowMs, cfg.graceSpawnSeconds);
    blockers.push(`grace_spawn: ${left} s left after the kill at ${formatTime(lastKillAtMs)}`);
  }

  let start = 0;
  let crashHolds = false;
  const crashLoop = crashLoopAfter(state.crashLoop, ordered, nowMs);
  if (blockers.length === 0 && cpuKnown) {
    const going = new Set([...kill, ...remove].map((a) => a.id));
    const countInput = { obs, cfg, pilots: ordered, going, ownerCpu, ncpus, nowMs, crashLoop };
    const count = startCount({ ...countInput, maxPilots: exprs.maxPilots });
    if (count.problem !== undefined) problems.push(count.problem);
    ({ start, crashHolds } = count);
    explain.push(count.explain);
  } else {
    explain.push(`no start: ${blockers.join("; ")}`);
  }
  if (pull.why !== "") explain.push(pull.why);

  const mode = modeOf(control, { underPressure, inWindow, imageReady, graceSpawnBlocks, crashHolds });

  return finish(
    {
      start,
      pause,
      unpause,
      kill,
      remove,
      pull: pull.pull,
      exit: control.drainStop && noneLeft,
      mode,
      explain,
    },
    {
      lastKillAtMs,
      overheadSinceMs: overhead?.sinceMs,
      overheadMinOwnerCpu: overhead?.ownerCpu,
      lowSinceMs: low?.sinceMs,
      lowMaxOwnerCpu: low?.ownerCpu,
      ...pressure.next,
      pausedSinceMs,
      warningsReported: state.warningsReported,
      crashLoop,
    },
    problems,
    cfg.stopGraceSeconds,
  );
}
