// The reads between samples (watch_interval): the owner's CPU and memory pressure every
// period (host/owner-cpu-watch.ts, host/memory-watch.ts; on kept descriptors, a few us each:
// the memory read went from every other period to every one for 100 ms less). A rise wakes
// two samples: one at once (it ends the current sample's window), one a period later (its
// window is that period alone, so the rise is not averaged over a whole sample_interval);
// each sample ticks, and the policy decides as it always does. Status says which path is
// in force: these reads, or the sampler's alone (watch_interval 0, nothing readable).
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../../config/schema.js";
import {
  MemoryWatch,
  OwnerCpuWatch,
  detectCgroupLayout,
  parentCounter,
  readSmall,
  type CgroupLayout,
  type PilotTree,
} from "../../host/index.js";
import type { FreeThreshold } from "../../policy/policy-types.js";
import type { EngineInfo } from "../../runtime/index.js";
import type { Logger } from "../process/logger.js";

export interface GiveBackWatchDeps {
  logger: Logger;
  /** Takes a host sample now (and ticks after it). */
  sampleNow: () => Promise<void>;
  /** Runs fn once after ms (the daemon's TickTimers: the second sample after a rise). */
  after: (ms: number, fn: () => void) => void;
  /** cpu_owner of the latest sample (0..1). */
  sampledOwner: () => number | undefined;
  /** The daemon's pilots now, running and paused; 0: nothing to give back, no reads. */
  pilotCount: () => number | undefined;
  /** Plancton's own CPU (not the owner's): the daemon's, and the engine's while it works for it. */
  ownCpu: { totalMs(): number; describe(): string };
  minFreeMem: () => FreeThreshold | undefined;
  ramBytes: () => number;
}

/** The owner's side of a v2 tree: the top-level cgroups with memory.pressure but the pilots'. */
function ownerPsiFiles(layout: CgroupLayout, pilotsDir: string | undefined): string[] {
  if (layout.kind === "v2" && pilotsDir !== undefined) {
    const dirs = readdirSync(layout.unifiedDir, { withFileTypes: true }).filter(
      (d) => d.isDirectory() && d.name !== pilotsDir,
    );
    const files = dirs.map((d) => join(layout.unifiedDir, d.name, "memory.pressure")).filter(existsSync);
    if (files.length > 0) return files;
  }
  return readSmall("/proc/pressure/memory") === undefined ? [] : ["/proc/pressure/memory"];
}

/** The reads between samples; the daemon's TickTimers calls check() every periodMs. */
export class GiveBackWatch {
  private owner?: OwnerCpuWatch;
  private memory?: MemoryWatch;
  /** The period of check() (0: off); TickTimers re-arms it when it changes. */
  periodMs = 0;
  private resting = false;
  private paths: Record<string, string> = { "fast path": "off (the engine has not answered yet)" };

  constructor(private readonly deps: GiveBackWatchDeps) {}

  private info?: EngineInfo;
  private cgroupParent?: string;
  private interval?: number;
  private pilots?: PilotTree;

  /** The engine answered: its driver, the pilots' parent and their tree (the user's, ...) are known. */
  setEngine(info: EngineInfo, cgroupParent: string | undefined, config: Config, pilots?: PilotTree): void {
    this.info = info;
    this.cgroupParent = cgroupParent;
    this.pilots = pilots;
    this.interval = undefined;
    this.configure(config);
  }

  /** The config changed: re-armed when watch_interval did. */
  configure(config: Config): void {
    if (this.interval === config.watch_interval) return;
    this.interval = config.watch_interval;
    this.arm(config, this.info, this.cgroupParent);
  }

  private arm(config: Config, info: EngineInfo | undefined, cgroupParent: string | undefined): void {
    this.periodMs = config.watch_interval * 1000;
    if (this.periodMs === 0 || info === undefined) {
      const why = info === undefined ? "the engine has not answered yet" : "watch_interval 0";
      this.paths = { "fast path": `off (${why}): every sample_interval ${config.sample_interval} s` };
      this.periodMs = 0;
      return;
    }
    const layout = detectCgroupLayout();
    const driver = info.cgroupDriver === "systemd" ? "systemd" : "cgroupfs";
    // In the user's tree, the pilots' parent is under user@UID.service; the owner's PSI stays the system's.
    const pilotsLayout = this.pilots?.kind === "user" ? detectCgroupLayout(this.pilots.root) : layout;
    const counter = parentCounter(pilotsLayout, driver, cgroupParent);
    const ownMs = () => this.deps.ownCpu.totalMs();
    this.owner = new OwnerCpuWatch({ ncpus: info.ncpu, parentCounter: counter, ownMs });
    // The user's pilots share user.slice with the owner's session: the machine's PSI then.
    const pilotsDir = this.pilots?.kind === "user" ? undefined : cgroupParent?.replace(/^\/+/, "");
    const psi = ownerPsiFiles(layout, pilotsDir);
    this.memory = new MemoryWatch({ psiFiles: psi });
    const every = `every ${this.periodMs} ms`;
    this.paths = {
      "owner watch": counter
        ? `${every}: ${this.owner.describe()} - ${this.deps.ownCpu.describe()}`
        : `${every}: /proc/stat alone (no pilots' parent: their CPU counts as the owner's)`,
      "memory watch":
        psi.length > 0
          ? `${every}: ${this.memory.describe()} ` + "(a timer, not poll(): see docs/OBSERVATION.md)"
          : `${every}: MemAvailable only (no PSI on this kernel); stalls at each sample`,
    };
  }

  stop(): void {
    this.periodMs = 0;
  }

  inForce(): Record<string, string> {
    if (!this.resting) return this.paths;
    const rest = " (resting now: no pilot to give back)";
    return Object.fromEntries(
      Object.entries(this.paths).map(([k, v]) => [k, k.endsWith("watch") ? v + rest : v]),
    );
  }

  check(): void {
    // No pilot: nothing to give back, and a period's reads are most of an idle daemon's CPU.
    if (this.deps.pilotCount() === 0) {
      this.resting = true;
      return;
    }
    if (this.resting) {
      this.resting = false;
      this.owner?.check(undefined); // a fresh first reading: no delta over the rest
    }
    const rose = this.owner?.check(this.deps.sampledOwner());
    let wake = rose !== undefined ? `owner at ${(rose * 100).toFixed(0)}% of the machine` : undefined;
    const m = this.memory?.check(Date.now(), this.minFreeBytes());
    if (m) wake ??= m.text;
    if (wake === undefined) return;
    this.deps.logger.debug({ wake }, "give-back watch: sampling now");
    void this.deps.sampleNow().then(() => this.deps.after(this.periodMs, () => void this.deps.sampleNow()));
  }

  private minFreeBytes(): number | undefined {
    const t = this.deps.minFreeMem();
    if (!t) return undefined;
    return Math.max(t.bytes ?? 0, (t.ratio ?? 0) * this.deps.ramBytes());
  }
}
