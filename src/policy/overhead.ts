// The overhead rule, on the owner's CPU (the classic fault fixed: the pilots' own CPU is
// never the owner's load).
//
// The original: threshold = 100 x cpus_per_dock x min(running, max_docks) / ncpus is the
// share the running pilots may use; it acted when the TOTAL CPU exceeded threshold + 10,
// so with max_docks 1 a pilot busy on its own share looked like overhead. Here the share
// left to the owner is room = 1 - threshold/100, and the owner "wants more CPU than the
// pilots leave it" when its own CPU exceeds room + margin (margin = overhead_margin %).
// The owner can only get past its room by taking CPU from the pilots (or when they idle),
// so this is real contention, and a pilot using its full share never triggers it.
//
// Hysteresis: a paused pilot resumes only when the owner leaves it its full share again
// (owner <= room with the pilot back, without the start rule's 0.95 safety factor, which
// would strand pilots the start rule would not have started, e.g. the second 1-CPU
// pilot on 2 CPUs), which is `margin` (10% of the machine by default) below the overhead
// limit for the same pilots; and each side must hold for a while (grace_kill to pause,
// resume_after to resume), so a load flickering around one line moves nothing.

export interface CpuShape {
  readonly ncpus: number;
  readonly cpusPerDock: number;
  readonly maxDocks: number;
  readonly overheadMarginPercent: number;
}

/** Share of the machine (0..1) left to the owner with `running` pilots at their full share. */
export function ownerRoom(running: number, shape: CpuShape): number {
  const pilotsShare = (shape.cpusPerDock * Math.min(running, shape.maxDocks)) / shape.ncpus;
  return Math.max(0, 1 - pilotsShare);
}

/** The owner CPU (0..1) above which the overhead rule acts, for `running` pilots. */
export function overheadLimit(running: number, shape: CpuShape): number {
  return ownerRoom(running, shape) + shape.overheadMarginPercent / 100;
}

/** The owner wants more CPU than the running pilots leave it (no running pilot: never). */
export function isOverhead(ownerCpu: number, running: number, shape: CpuShape): boolean {
  return running > 0 && ownerCpu > overheadLimit(running, shape);
}

/** One more pilot could run beside `running` at its full share (the low-water mark). */
export function oneMoreFits(ownerCpu: number, running: number, shape: CpuShape): boolean {
  return ownerCpu <= ownerRoom(running + 1, shape) + 1e-9 && running + 1 <= shape.maxDocks;
}
