// Samples the host every sample_interval (independent of main_sleep) and keeps the
// latest Observation; sets up the pilots' idle-priority parent cgroup once Docker's
// cgroup driver is known. The daemon asks it; tests replace it with a fixed one.
import os from "node:os";
import type { Config } from "../config/schema.js";
import type { HostFacts } from "../config/max-docks.js";
import {
  HostSampler, PilotCpuMeter, atFullWeight, detectCgroupLayout, gatherHostInfo, hostSystemd, procReaders, readParentWeight, setupPilotParent,
  type CgroupLayout, type HostInfo, type ParentWeight,
} from "../host/index.js";
import type { Observation } from "../host/variables.js";
import type { EngineInfo } from "../runtime/index.js";
import type { Logger } from "./logger.js";

export interface HostObserverLike {
  start(config: Config, pilotIds: () => { running: string[]; paused: string[] }, onSample: () => void): void;
  stop(): void;
  configure(config: Config): void;
  setEngine(info: EngineInfo, config: Config): Promise<void>;
  latest(): Observation;
  hostFacts(): HostFacts;
  /** Static facts of the machine, once gathered (start, then Docker's data root once known). */
  hostInfo?(): HostInfo | undefined;
  cpuPriority(): { mode: "idle" | "normal"; detail: string };
  cgroupParent(): string | undefined;
  apparmor(): boolean;
  /** Runs fn with the pilots' parent cgroup at a normal weight (pause and kill need it). */
  atFullWeight<T>(fn: () => Promise<T>): Promise<T>;
}

/** The idle weight is read back from the kernel this often, and whenever a new pilot appears. */
export const PRIORITY_RECHECK_MS = 3 * 60_000;

export class HostObserver implements HostObserverLike {
  private sampler?: HostSampler;
  private meter?: PilotCpuMeter;
  private layout?: CgroupLayout;
  private timer?: NodeJS.Timeout;
  private last: Observation = {};
  private priority: { mode: "idle" | "normal"; detail: string } = { mode: "normal", detail: "normal: Docker not reached yet" };
  private parent?: string;
  private weight?: ParentWeight;
  private engineInfo?: EngineInfo;
  private sampling = false;
  private requested?: "idle" | "normal";
  private config?: Config;
  private pilotIds: () => { running: string[]; paused: string[] } = () => ({ running: [], paused: [] });
  private onSample: () => void = () => undefined;
  private info?: HostInfo;
  private checkedAtMs = 0;
  private raised = 0;
  private knownPilots = new Set<string>();

  constructor(private readonly opts: { clock: () => number; logger: Logger; startedAtMs: number }) {}

  start(config: Config, pilotIds: () => { running: string[]; paused: string[] }, onSample: () => void): void {
    this.pilotIds = pilotIds;
    this.onSample = onSample;
    this.configure(config);
    // Without Docker's data root: status has the machine even while Docker is away.
    if (!this.info) void gatherHostInfo().then((info) => (this.info ??= info));
  }

  configure(config: Config): void {
    const intervalChanged = this.config?.sample_interval !== config.sample_interval;
    this.config = config;
    this.sampler?.setDiskPaths(this.diskPaths());
    if (intervalChanged && this.sampler) this.arm();
    if (this.engineInfo && config.pilot_cpu_priority !== this.requested) void this.setEngine(this.engineInfo, config);
  }

  async setEngine(info: EngineInfo, config: Config): Promise<void> {
    this.engineInfo = info;
    this.config = config;
    if (this.info?.dockerRoot?.path !== info.dockerRootDir) this.info = await gatherHostInfo({ dockerRootDir: info.dockerRootDir });
    this.requested = config.pilot_cpu_priority;
    this.layout ??= await detectCgroupLayout();
    await this.applyPriority();
    this.meter = new PilotCpuMeter({ layout: this.layout, parent: this.parent ?? "docker", driver: info.cgroupDriver === "systemd" ? "systemd" : "cgroupfs" });
    if (this.sampler) return; // Docker came back: keep the windows
    // The meter is looked up at each sample: a priority change replaces it.
    const pilotCpu = { sample: (ids: readonly string[], nowMs: number) => this.meter?.sample(ids, nowMs) ?? 0 };
    this.sampler = new HostSampler({ readers: procReaders(), pilotCpu, diskPaths: this.diskPaths(), clock: this.opts.clock, startedAtMs: this.opts.startedAtMs });
    await this.sampleOnce(); // the first decision has an observation to go on
    this.arm();
  }

  /** Sets up the pilots' parent and its idle weight (through systemd where systemd owns the slice). */
  private async applyPriority(): Promise<void> {
    const info = this.engineInfo;
    if (!info || !this.layout || !this.config) return;
    const parent = await setupPilotParent({
      layout: this.layout, dockerCgroupDriver: info.cgroupDriver === "systemd" ? "systemd" : "cgroupfs",
      priority: info.rootless ? "normal" : this.config.pilot_cpu_priority, systemd: hostSystemd,
    });
    if (parent.detail !== this.priority.detail) this.opts.logger.info(`pilot CPU priority: ${parent.detail}`);
    this.priority = { mode: parent.mode, detail: info.rootless ? "normal: rootless Docker cannot give pilots a parent cgroup" : parent.detail };
    this.parent = parent.cgroupParent;
    this.weight = parent.weight;
    this.checkedAtMs = this.opts.clock();
  }

  /**
   * Reads the idle weight back from the kernel (something else, systemd most of all, may
   * have rewritten it); sets it again when it does not hold, and when even that does not
   * hold, says so: status must not claim a priority the kernel does not have.
   */
  private async recheckPriority(): Promise<void> {
    const weight = this.weight;
    if (!weight || this.raised > 0) return;
    this.checkedAtMs = this.opts.clock();
    const before = await readParentWeight(weight);
    if (before.holds) return;
    this.opts.logger.warn(`pilot CPU priority lost: ${weight.file} reads ${before.value}, not ${weight.idle}; setting it again`);
    await this.applyPriority();
    const after = this.weight ? await readParentWeight(this.weight) : before;
    if (this.weight && !after.holds) {
      this.priority = { mode: "normal", detail: `normal: ${weight.file} reads ${after.value} after writing ${weight.idle} (something resets it)` };
      this.opts.logger.warn(`pilot CPU priority: ${this.priority.detail}`);
    }
  }

  private dueForRecheck(ids: { running: string[]; paused: string[] }): boolean {
    const all = [...ids.running, ...ids.paused];
    const fresh = all.some((id) => !this.knownPilots.has(id));
    this.knownPilots = new Set(all);
    return fresh || this.opts.clock() - this.checkedAtMs >= PRIORITY_RECHECK_MS;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  latest(): Observation {
    return this.last;
  }

  hostFacts(): HostFacts {
    return { ncpus: this.last.ncpus ?? os.cpus().length, ramBytes: this.last.ram_bytes ?? os.totalmem(), swapBytes: this.last.swap_bytes ?? 0 };
  }

  hostInfo(): HostInfo | undefined {
    return this.info;
  }

  cpuPriority(): { mode: "idle" | "normal"; detail: string } {
    return this.priority;
  }

  cgroupParent(): string | undefined {
    return this.parent;
  }

  apparmor(): boolean {
    return this.engineInfo?.apparmor ?? false;
  }

  async atFullWeight<T>(fn: () => Promise<T>): Promise<T> {
    // While raised on purpose, the weight is not idle: no re-check may "fix" it meanwhile.
    this.raised++;
    try {
      return await atFullWeight(this.weight, fn);
    } finally {
      this.raised--;
    }
  }

  private diskPaths(): string[] {
    return [...new Set([this.engineInfo?.dockerRootDir ?? "/var/lib/docker", ...(this.config?.disk_paths ?? [])])];
  }

  private arm(): void {
    this.stop();
    this.timer = setInterval(() => void this.sampleOnce(), (this.config?.sample_interval ?? 2) * 1000);
  }

  private async sampleOnce(): Promise<void> {
    if (this.sampling || !this.sampler) return;
    this.sampling = true;
    try {
      const ids = this.pilotIds();
      this.last = await this.sampler.sample(ids);
      if (this.dueForRecheck(ids)) await this.recheckPriority();
      this.onSample();
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, "host sample failed");
    } finally {
      this.sampling = false;
    }
  }
}
