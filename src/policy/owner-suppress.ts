// Whether the pilots leave the owner a CPU of its own (owner_suppress): while the owner
// is active (at least owner_active_cores), and until it is idle (below half of that: no
// flapping at the threshold). Never with one CPU, nor without running pilots to confine.

export interface SuppressInput {
  readonly mode: "off" | "cpuset";
  /** cpu_owner, 0..1 of the machine; undefined: not sampled yet. */
  readonly ownerCpu: number | undefined;
  readonly ncpus: number;
  readonly activeCores: number;
  readonly running: number;
  /** Suppressed now. */
  readonly suppressed: boolean;
}

export function ownerSuppressed(i: SuppressInput): boolean {
  if (i.mode === "off" || i.ncpus < 2 || i.ownerCpu === undefined || !Number.isFinite(i.ownerCpu))
    return false;
  const ownerCores = i.ownerCpu * i.ncpus;
  if (i.suppressed) return ownerCores >= i.activeCores / 2;
  return i.running > 0 && ownerCores >= i.activeCores;
}
