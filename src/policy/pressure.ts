// Memory and disk pressure, kubelet style: a signal (available bytes or ratio) below a
// threshold is "met"; met for pressure_grace evicts the youngest pilot (one per
// decision); while met, and for pressure_grace after (the transition period against
// flapping), no pilot starts.
import type { FreeThreshold, Observation } from "./policy-types.js";
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
export function pressureSignal(
  kind: PressureKind,
  obs: Observation,
  threshold: FreeThreshold | undefined,
): PressureSignal {
  const names = VARIABLES[kind];
  const missing: string[] = [];
  const texts: string[] = [];
  if (threshold?.bytes !== undefined) {
    const v = obs[names.bytes];
    if (v === undefined || !Number.isFinite(v)) missing.push(names.bytes);
    else if (v < threshold.bytes)
      texts.push(`${names.bytes} ${formatBytes(v)} < ${formatBytes(threshold.bytes)}`);
  }
  if (threshold?.ratio !== undefined) {
    const v = obs[names.ratio];
    if (v === undefined || !Number.isFinite(v)) missing.push(names.ratio);
    else if (v < threshold.ratio)
      texts.push(`${names.ratio} ${formatRatio(v)} < ${formatRatio(threshold.ratio)}`);
  }
  return { kind, met: texts.length > 0, text: texts.join(", "), missing };
}

/**
 * The owner's memory stall (PSI "some": share of time some task waited for memory) at or
 * above `percent`, over the last sample (mem_stall_some, fast) or the kernel's 10 s
 * average (mem_psi_some_avg10). Absent percent: off. No stall variable: reported missing.
 */
export function memStallSignal(obs: Observation, percent: number | undefined): PressureSignal {
  if (percent === undefined) return { kind: "mem", met: false, text: "", missing: [] };
  const last = obs.mem_stall_some;
  const avg10 = obs.mem_psi_some_avg10;
  const lastOk = last !== undefined && Number.isFinite(last);
  const avgOk = avg10 !== undefined && Number.isFinite(avg10);
  if (!lastOk && !avgOk) return { kind: "mem", met: false, text: "", missing: ["mem_stall_some"] };
  const texts: string[] = [];
  if (lastOk && last * 100 >= percent)
    texts.push(`memory stall ${(last * 100).toFixed(1)}% of the last sample >= mem_pressure_psi ${percent}%`);
  else if (avgOk && avg10 >= percent)
    texts.push(`memory stall ${avg10.toFixed(1)}% over 10 s >= mem_pressure_psi ${percent}%`);
  return { kind: "mem", met: texts.length > 0, text: texts.join(", "), missing: [] };
}
