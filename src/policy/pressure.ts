// Memory and disk pressure, kubelet style: a signal (available bytes or ratio) below a
// threshold is "met"; met for pressure_grace evicts the youngest pilot (one per
// decision); while met, and for pressure_grace after (the transition period against
// flapping), no pilot starts.
import type { FreeThreshold, Observation } from "./types.js";
import { formatBytes, formatRatio } from "./explain.js";

export type PressureKind = "mem" | "disk";

export interface PressureSignal {
  readonly kind: PressureKind;
  readonly met: boolean;
  /** Why it is met, e.g. "mem_available_bytes 512 MiB < 1 GiB". */
  readonly text: string;
  /** Variables the threshold needs but the observation lacks. */
  readonly missing: readonly string[];
}

const VARIABLES: Record<PressureKind, { bytes: string; ratio: string }> = {
  mem: { bytes: "mem_available_bytes", ratio: "mem_available_ratio" },
  disk: { bytes: "disk_free_bytes", ratio: "disk_free_ratio" },
};

/** Whether `threshold` is met by the observation; an absent threshold never is. */
export function pressureSignal(kind: PressureKind, obs: Observation, threshold: FreeThreshold | undefined): PressureSignal {
  const names = VARIABLES[kind];
  const missing: string[] = [];
  const texts: string[] = [];
  if (threshold?.bytes !== undefined) {
    const v = obs[names.bytes];
    if (v === undefined || !Number.isFinite(v)) missing.push(names.bytes);
    else if (v < threshold.bytes) texts.push(`${names.bytes} ${formatBytes(v)} < ${formatBytes(threshold.bytes)}`);
  }
  if (threshold?.ratio !== undefined) {
    const v = obs[names.ratio];
    if (v === undefined || !Number.isFinite(v)) missing.push(names.ratio);
    else if (v < threshold.ratio) texts.push(`${names.ratio} ${formatRatio(v)} < ${formatRatio(threshold.ratio)}`);
  }
  return { kind, met: texts.length > 0, text: texts.join(", "), missing };
}
