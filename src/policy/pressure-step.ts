// Rule 4 of decide(): memory and disk pressure.
//   - min_free_mem / min_free_disk met for pressure_grace: kill the youngest (kubelet style);
//   - the owner's memory stall (PSI) at mem_pressure_psi: kill the youngest at once, no
//     grace and no pause (a paused pilot keeps its memory);
// one kill per decision, and only on a sample newer than the one the last pressure kill
// acted on: the event tick that follows a kill decides on the same sample, which cannot
// show yet the memory the kill gave back. While met, and for pressure_grace after, no start.
import { heldFor, secondsLeft, sinceWhen } from "./held.js";
import { memStallSignal, pressureSignal, type PressureSignal } from "./pressure.js";
import { memoryDeficitBytes } from "./memory-victims.js";
import { formatBytes } from "./explain.js";
import type { KillReason, Observation, PolicyConfig, PolicyPilot, PolicyState } from "./policy-types.js";

export interface PressureStep {
  readonly mem: PressureSignal;
  readonly disk: PressureSignal;
  /** Met now, or ended less than pressure_grace ago. */
  readonly underPressure: boolean;
  readonly problems: readonly string[];
  readonly next: Pick<
    PolicyState,
    | "memPressureSinceMs"
    | "diskPressureSinceMs"
    | "lastMemPressureAtMs"
    | "lastDiskPressureAtMs"
    | "lastPressureKillSampleMs"
  >;
}

export interface PressureHooks {
  /** The youngest pilot no rule has picked yet. */
  victim(): PolicyPilot | undefined;
  /** For memory: the fewest pilots whose memory covers the deficit (memory-victims.ts). */
  memoryVictims?(deficitBytes: number): PolicyPilot[];
  kill(p: PolicyPilot, reason: KillReason, why: string): void;
  explain(line: string): void;
}

export function pressureStep(
  obs: Observation,
  cfg: PolicyConfig,
  state: PolicyState,
  nowMs: number,
  hooks: PressureHooks,
): PressureStep {
  const free = pressureSignal("mem", obs, cfg.minFreeMem);
  const stall = memStallSignal(obs, cfg.memStallPercent);
  const disk = pressureSignal("disk", obs, cfg.minFreeDisk);
  const mem: PressureSignal = {
    kind: "mem",
    met: free.met || stall.met,
    text: [free.text, stall.text].filter((t) => t !== "").join(", "),
    missing: [...free.missing, ...stall.missing],
  };
  const problems = [
    ...[...free.missing, ...disk.missing].map(
      (name) => `observation has no ${name}: its min_free threshold is not checked`,
    ),
    ...stall.missing.map(
      (name) => `observation has no ${name} (a kernel without PSI?): mem_pressure_psi is not checked`,
    ),
  ];
  const memPressureSinceMs = sinceWhen(mem.met, state.memPressureSinceMs, nowMs);
  const diskPressureSinceMs = sinceWhen(disk.met, state.diskPressureSinceMs, nowMs);
  const lastMemPressureAtMs = mem.met ? nowMs : state.lastMemPressureAtMs;
  const lastDiskPressureAtMs = disk.met ? nowMs : state.lastDiskPressureAtMs;
  const sampleMs =
    obs.sampled_at_ms !== undefined && Number.isFinite(obs.sampled_at_ms) ? obs.sampled_at_ms : nowMs;
  const fresh = state.lastPressureKillSampleMs === undefined || sampleMs > state.lastPressureKillSampleMs;
  let lastPressureKillSampleMs = state.lastPressureKillSampleMs;
  let evicted = false;
  const evict = (reason: KillReason, why: string): void => {
    const victim = hooks.victim();
    if (evicted || victim === undefined) return;
    if (!fresh) {
      hooks.explain(
        `${reason}: ${why.replace(/ \(youngest.*\)$/, "")}; waiting for a sample newer than the ` +
          `last eviction`,
      );
      evicted = true;
      return;
    }
    if (reason === "mem_pressure" && hooks.memoryVictims) {
      // Memory: the whole set at once, the fewest whose usage covers the deficit.
      const deficit = memoryDeficitBytes(obs, cfg.minFreeMem);
      const set = hooks.memoryVictims(deficit);
      const base = why.replace(/ \(youngest.*\)$/, "");
      const covering = deficit > 0 ? `the fewest covering ${formatBytes(deficit)}` : "holding memory";
      for (const v of set.length > 0 ? set : [victim])
        hooks.kill(v, reason, `${base} (${covering}, youngest first; killed, never paused)`);
    } else hooks.kill(victim, reason, why);
    evicted = true;
    lastPressureKillSampleMs = sampleMs;
  };
  if (stall.met)
    evict("mem_pressure", `${stall.text} (youngest, killed at once: a paused pilot keeps its memory)`);
  for (const [signal, sinceMs] of [
    [free, memPressureSinceMs],
    [disk, diskPressureSinceMs],
  ] as [PressureSignal, number | undefined][]) {
    if (!signal.met || sinceMs === undefined) continue;
    const reason: KillReason = signal.kind === "mem" ? "mem_pressure" : "disk_pressure";
    if (heldFor(sinceMs, nowMs, cfg.pressureGraceSeconds)) {
      evict(reason, `${signal.text} for ${Math.floor((nowMs - sinceMs) / 1000)} s (youngest)`);
    } else if (hooks.victim() !== undefined) {
      hooks.explain(
        `${reason}: ${signal.text}; evict in ${secondsLeft(sinceMs, nowMs, cfg.pressureGraceSeconds)} s`,
      );
    }
  }
  const transition = (lastAtMs: number | undefined): boolean =>
    lastAtMs !== undefined && nowMs - lastAtMs < cfg.pressureGraceSeconds * 1000;
  return {
    mem,
    disk,
    underPressure: mem.met || disk.met || transition(lastMemPressureAtMs) || transition(lastDiskPressureAtMs),
    problems,
    next: {
      memPressureSinceMs,
      diskPressureSinceMs,
      lastMemPressureAtMs,
      lastDiskPressureAtMs,
      lastPressureKillSampleMs,
    },
  };
}
