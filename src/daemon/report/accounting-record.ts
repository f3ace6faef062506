// What the accounting adds to a pilot's history record: its CPU seconds from the kernel,
// its wall seconds, its memory peak, and whether the owner's give-back ended it (its CPU
// then counts as work lost: the pilot's job did not finish).
import type { PilotUsage } from "../../host/index.js";
import type { PilotRecord } from "./history.js";

/** The owner taking resources back: its CPU, its memory, its disk, or a pause that lasted. */
export const GIVE_BACK_REASONS: ReadonlySet<string> = new Set([
  "overhead",
  "mem_pressure",
  "disk_pressure",
  "suspend_expired",
]);

/** Kills whose pilot's work is lost: the give-backs, and the admin's or the schedule's kills. */
const LOST_REASONS: ReadonlySet<string> = new Set([
  ...GIVE_BACK_REASONS,
  "schedule",
  "evict_when",
  "force_stop",
]);

/** The cause its CPU is lost to, or undefined when its work counts (ttl, exited, ...). */
export function lostCauseOf(reason: string): string | undefined {
  return LOST_REASONS.has(reason) ? reason : undefined;
}

export interface AccountedRecord extends PilotRecord {
  /** CPU seconds its cgroup counted (0 when never read). */
  cpuSeconds?: number;
  /** Wall seconds from start to end (uptimeSeconds, unrounded). */
  wallSeconds?: number;
  /** final: read just before removal; last_sample: the cgroup was gone by then; none: never read. */
  cpuRead?: "final" | "last_sample" | "none";
  memoryPeakBytes?: number;
  /** Times the owner's give-back paused it. */
  pauses?: number;
  /** The owner's give-back ended it: its CPU counts as work lost. */
  givenBack?: boolean;
}

export function withUsage(rec: PilotRecord, usage: PilotUsage | undefined): AccountedRecord {
  return {
    ...rec,
    cpuSeconds: Math.round((usage?.cpuSeconds ?? 0) * 1e6) / 1e6,
    wallSeconds: Math.max(0, (rec.endedAtMs - rec.startedAtMs) / 1000),
    cpuRead: usage === undefined ? "none" : usage.final ? "final" : "last_sample",
    ...(usage?.memoryPeakBytes !== undefined ? { memoryPeakBytes: usage.memoryPeakBytes } : {}),
    ...(usage?.pauses ? { pauses: usage.pauses } : {}),
    givenBack: GIVE_BACK_REASONS.has(rec.reason),
  };
}
