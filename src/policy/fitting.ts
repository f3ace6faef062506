// How many pilots the owner's idle CPU has room for (the original's "fitting").
import { FITTING_IDLE_FACTOR } from "./policy-types.js";

/**
 * Pilots that fit in all: floor((1 - owner CPU) x 0.95 x ncpus / cpus_per_dock).
 * The original computed idle from the total CPU, which already subtracted the running
 * pilots; idle here is what the OWNER leaves, so the caller subtracts the pilots that
 * hold a slot to get how many more fit. Owner CPU is a fraction of the machine.
 */
export function pilotsThatFit(ownerCpu: number, ncpus: number, cpusPerDock: number): number {
  const idle = 1 - clamp01(ownerCpu);
  // The epsilon keeps exact fits exact despite binary fractions (0.95 x 20 = 18.999...).
  return Math.max(0, Math.floor((idle * FITTING_IDLE_FACTOR * ncpus) / cpusPerDock + 1e-9));
}

export function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
