// How many more pilots may start on the owner's idle CPU, and why not when none may.
//
// normal priority: the original's rule, unchanged (fitting.ts): floor of 95 % of the idle
// cores over cpus_per_dock, so the owner keeps headroom the kernel would not give back.
// idle priority: the pilots' parent has the lowest CPU weight (cpu.idle), so the kernel
// hands the owner the CPU at its next wakeup by itself and no headroom is needed: a pilot
// may start while its share of idle CPU is free, a core idle but for IDLE_CORE_SLACK of
// it counting as free. The slack never exceeds overhead_margin, so a pilot started here
// never meets the overhead rule on the same owner load. Memory bounds it too: each new
// pilot may take max_dock_mem, which must fit in the available memory.
import { cores, formatBytes, plural } from "./explain.js";
import { clamp01, pilotsThatFit } from "./fitting.js";
import type { Observation, PolicyConfig } from "./policy-types.js";

/** Share of a core an owner may use and the core still count as idle (idle priority only). */
export const IDLE_CORE_SLACK = 0.05;

export interface StartRoom {
  /** Pilots that fit beside the `slots` ones, >= 0. */
  readonly fitting: number;
  /** Why fitting is 0, in words a person acts on ("" when something fits). */
  readonly why: string;
  /** The owner and pilot numbers, for the start line. */
  readonly owner: string;
  /** A problem to log once (a variable the rule needs is missing). */
  readonly problem?: string;
}

/** Pilots that fit in all on the owner's idle CPU at idle priority (memory aside). */
export function pilotsThatFitIdle(
  ownerCpu: number,
  ncpus: number,
  cpusPerDock: number,
  overheadMarginPercent: number,
): number {
  const slack = Math.min(IDLE_CORE_SLACK, overheadMarginPercent / 100);
  const idleCores = (1 - clamp01(ownerCpu)) * ncpus;
  // The slack forgives a little owner use on each pilot's cores, never more cores than there are.
  const byIdle = Math.floor(idleCores / (cpusPerDock * (1 - slack)) + 1e-9);
  return Math.max(0, Math.min(byIdle, Math.floor(ncpus / cpusPerDock + 1e-9)));
}

export function startRoom(
  obs: Observation,
  cfg: PolicyConfig,
  ownerCpu: number,
  ncpus: number,
  slots: number,
): StartRoom {
  const owner =
    `owner uses ${cores(ownerCpu, ncpus)} of ${ncpus} CPUs, ${plural(slots, "pilot")} ` +
    `of ${cfg.cpusPerDock}`;
  if (cfg.cpuPriority !== "idle") {
    const fitting = Math.max(0, pilotsThatFit(ownerCpu, ncpus, cfg.cpusPerDock) - slots);
    return { fitting, owner, why: fitting > 0 ? "" : `fitting 0: ${owner}` };
  }
  const byCpu = Math.max(
    0,
    pilotsThatFitIdle(ownerCpu, ncpus, cfg.cpusPerDock, cfg.overheadMarginPercent) - slots,
  );
  const memBytes = cfg.maxDockMemBytes;
  const available = obs.mem_available_bytes;
  const memKnown = available !== undefined && Number.isFinite(available);
  const byMem =
    memBytes === undefined || memBytes <= 0 || !memKnown ? Infinity : Math.floor(available / memBytes);
  const problem =
    memBytes !== undefined && memBytes > 0 && !memKnown
      ? "observation has no mem_available_bytes: max_dock_mem is not checked against available memory"
      : undefined;
  const fitting = Math.min(byCpu, byMem);
  if (fitting > 0) return { fitting, owner, why: "", problem };
  const idleCores = cores(1 - clamp01(ownerCpu), ncpus);
  const why =
    byCpu === 0
      ? `the owner uses ${cores(ownerCpu, ncpus)} of ${ncpus} CPUs and ${plural(slots, "pilot")} ` +
        `run; ${idleCores} idle cores left, a pilot needs ${cfg.cpusPerDock} (lower cpus_per_dock to ` +
        `fit one)`
      : `memory: ${formatBytes(available ?? 0)} available, a pilot may take ` +
        `max_dock_mem ${formatBytes(memBytes ?? 0)} (lower max_dock_mem, or free memory)`;
  return { fitting: 0, owner, why, problem };
}
