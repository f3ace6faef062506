// The policy's vocabulary: what decide() reads, what it remembers, what it answers.
// Plain serializable data only: no functions besides compiled expressions, no clocks.
import type { CompiledExpr } from "../expr/index.js";
import type { Control, Observation, PilotState, PolicyMode as Mode } from "../vocabulary.js";

export type { Control, Observation, PilotState, Mode };

export interface PolicyPilot {
  readonly id: string;
  readonly name: string;
  readonly state: PilotState;
  readonly createdAtMs: number;
  /** A graceful stop of ours (SIGTERM, stop_grace) is in flight: the stop records its end,
   *  so the pilot is not removed, and it is not gone yet (no exit after drain-stop). */
  readonly stopping?: boolean;
  /** Its own cgroup's memory usage (memory victims: policy/memory-victims.ts); absent: unknown. */
  readonly memoryBytes?: number;
}

/** What the caller knows of the listing the pilots come from (stale-created.ts reads it). */
export interface Listing {
  /** The first listing of this run: "created" pilots were left by a previous run. */
  readonly firstOfRun?: boolean;
  /** The first listing after an engine outage: the launches in flight then cannot go on. */
  readonly afterOutage?: boolean;
}

/** Everything decide() reads, in one object. */
export interface DecideInput {
  readonly obs: Observation;
  readonly pilots: readonly PolicyPilot[];
  readonly cfg: PolicyConfig;
  readonly control: Control;
  readonly image: ImageStatus;
  /** The policy's memory: the previous decision's `next`. */
  readonly state: PolicyState;
  readonly nowMs: number;
  /** Absent: no listing this tick (a sample tick). */
  readonly listing?: Listing;
  /** The pilots that ended since the last decision (crash-loop.ts counts the fast exits). */
  readonly exits?: readonly PilotExit[];
}

/** The current streak of fast exits; undefined in PolicyState when there is none. */
export interface CrashLoopState {
  /** Consecutive fast exits. */
  readonly fastExits: number;
  readonly lastExitAtMs: number;
  readonly lastExitCode: number | null;
  readonly lastPilot: string;
  /** The last line the pilot printed, shortened (may be empty). */
  readonly lastOutput: string;
  /** The image and command the streak was seen with (a new one may be the fix). */
  readonly launch?: string;
}

/** What the daemon knows of a pilot that ended. */
export interface PilotExit {
  readonly name: string;
  readonly reason: string;
  readonly exitCode: number | null;
  readonly uptimeSeconds: number;
  readonly endedAtMs: number;
  readonly lastOutput?: string;
  readonly oomKilled?: boolean;
}

/** A free-space threshold: below `bytes`, or below `ratio` of the total (either one is enough). */
export interface FreeThreshold {
  readonly bytes?: number;
  readonly ratio?: number;
}

/** One time-of-day window of `schedule`, as config/schedule-parse.ts parses it. */
import type { ScheduleWindow } from "../config/schedule-parse.js";
export type { ScheduleWindow };

/** Local wall-clock time parts, for the schedule. */
export interface LocalTime {
  /** 0 = Sunday ... 6 = Saturday. */
  readonly weekday: number;
  /** 0 ... 1439. */
  readonly minuteOfDay: number;
}

export interface PolicyConfig {
  readonly cpusPerDock: number;
  /** max_docks, already evaluated on this host. */
  readonly maxDocks: number;
  readonly docksPerLoop: number;
  readonly graceKillSeconds: number;
  readonly graceSpawnSeconds: number;
  /** 0 = no limit. */
  readonly maxTtlSeconds: number;
  /** 0 = give the CPU back by killing directly, no pause. */
  readonly suspendGraceSeconds: number;
  readonly resumeAfterSeconds: number;
  /** Percent of the machine the owner may exceed the CPU left to it by (the original's +10). */
  readonly overheadMarginPercent: number;
  readonly minFreeMem?: FreeThreshold;
  readonly minFreeDisk?: FreeThreshold;
  readonly pressureGraceSeconds: number;
  readonly spawnWhen?: CompiledExpr;
  readonly maxPilots?: CompiledExpr;
  readonly evictWhen?: CompiledExpr;
  /** While true, every running pilot is paused; resumed resume_after after it turns false. */
  readonly suspendWhen?: CompiledExpr;
  /** Empty = always. */
  readonly schedule: readonly ScheduleWindow[];
  readonly scheduleDrain: boolean;
  readonly imageExpirationSeconds: number;
  /** docker_image as configured. */
  readonly image: string;
  /** pilot_cpu_priority in force (the parent cgroup really at idle weight); absent = "normal",
   *  the original's start rule. */
  readonly cpuPriority?: "idle" | "normal";
  /** max_dock_mem: at idle priority a new pilot must fit in the available memory. */
  readonly maxDockMemBytes?: number;
  /** mem_pressure_psi: memory stall % (PSI some) that kills the youngest pilot at once; absent = off. */
  readonly memStallPercent?: number;
  /** stop_grace: SIGTERM, then SIGKILL after this long, for kills that may wait (stop-signal.ts). */
  readonly stopGraceSeconds: number;
  /** docker_image and docker_cmd, as one string: a change ends a crash loop (crash-loop.ts). */
  readonly launch: string;
}

export interface ImageStatus {
  /** The image present locally, as configured (the caller normalizes); undefined = none usable. */
  readonly image: string | undefined;
  readonly lastPullAtMs?: number;
  readonly lastPullFailedAtMs?: number;
  /** A pull is in flight: do not ask for another. */
  readonly pulling?: boolean;
  /** Consecutive failed pulls of this image (the puller counts them; a new image starts at 0). */
  readonly failures?: number;
}

/** What the policy remembers between decisions; JSON-serializable. Start from initialPolicyState(). */
export interface PolicyState {
  /** Last kill made to give resources back (starts grace_spawn). Undefined = never: no wait at start. */
  readonly lastKillAtMs?: number;
  /** Since when the owner has wanted more CPU than the pilots leave (the overhead condition)... */
  readonly overheadSinceMs?: number;
  /** ...and the lowest owner CPU seen since (how many pilots to pause). */
  readonly overheadMinOwnerCpu?: number;
  /** Since when the owner's CPU has been low enough to resume one more paused pilot... */
  readonly lowSinceMs?: number;
  /** ...and the highest owner CPU seen since (how many to resume). */
  readonly lowMaxOwnerCpu?: number;
  readonly memPressureSinceMs?: number;
  readonly diskPressureSinceMs?: number;
  /** Last decisions that saw the thresholds met: no start for pressure_grace after (transition period). */
  readonly lastMemPressureAtMs?: number;
  readonly lastDiskPressureAtMs?: number;
  /** sampled_at_ms of the observation the last pressure kill acted on: a later decision on
   *  the same sample (an event tick) kills no one more, memory not being measured again yet. */
  readonly lastPressureKillSampleMs?: number;
  /** When each paused pilot (by id) was first seen paused, when the caller does not say. */
  readonly pausedSinceMs: Readonly<Record<string, number>>;
  /** Warnings already reported (a runtime expression error is logged once). Bounded. */
  readonly warningsReported: readonly string[];
  /** Pilots exiting at once after they start (crash-loop.ts); the caller records their exits. */
  readonly crashLoop?: CrashLoopState;
}

export type KillReason =
  | "ttl"
  | "overhead"
  | "mem_pressure"
  | "disk_pressure"
  | "force_stop"
  | "exited"
  | "never_started"
  | "evict_when"
  | "schedule"
  | "suspend_expired"
  | "suspend_when";

export type PauseReason = "overhead" | "suspend_when";
export type UnpauseReason = "owner_low";

export interface PilotAction<R extends string> {
  readonly id: string;
  readonly name: string;
  readonly reason: R;
  /** The rule's words, for the log ("created by a previous run but never started"). */
  readonly why?: string;
}

/** How a kill is carried out: SIGTERM then SIGKILL after graceSeconds, or SIGKILL at once. */
export interface KillAction extends PilotAction<KillReason> {
  readonly signal: "TERM" | "KILL";
  readonly graceSeconds: number;
}

export interface Decision {
  /** How many pilots to start now (the caller stops at the first failure). */
  readonly start: number;
  readonly pause: readonly PilotAction<PauseReason>[];
  readonly unpause: readonly PilotAction<UnpauseReason>[];
  /** Kill and remove, each with its signal (stop-signal.ts). */
  readonly kill: readonly KillAction[];
  /** Just remove (exited, dead, never started). */
  readonly remove: readonly PilotAction<KillReason>[];
  /** Pull the image now (the puller runs it in the background and asks for a tick when done). */
  readonly pull: boolean;
  /** Drain-stop or force-stop asked, no pilot left and no stop in flight: the daemon
   *  clears that control file and exits (`mode` says which). */
  readonly exit: boolean;
  readonly mode: Mode;
  /** Short human lines: why each action, and why nothing started when nothing did. */
  readonly explain: readonly string[];
  /** New problems to log (each distinct one once). */
  readonly warnings: readonly string[];
  readonly next: PolicyState;
}

/** Seconds after which a pilot still "created" is taken as never started and removed. */
export const NEVER_STARTED_SECONDS = 60;

/** The original's safety factor on idle CPU when counting what fits. */
export const FITTING_IDLE_FACTOR = 0.95;

export function initialPolicyState(): PolicyState {
  return { pausedSinceMs: {}, warningsReported: [] };
}
