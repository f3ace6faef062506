// Samples the host every sample_interval (independent of main_sleep) and keeps the
// latest Observation; sets up the pilots' idle-priority parent cgroup once Docker's
// cgroup driver is known. The daemon asks it; tests replace it with a fixed one.
import os from "node:os";
import type { Config } from "../config/schema.js";
import type { HostFacts } from "../config/max-docks.js";
import {
  HostSampler, PilotCpuMeter, atFullWeight, detectCgroupLayout, gatherHostInfo, procReaders, setupPilotParent, type CgroupLayout, type HostInfo, type ParentWeight,
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
    const parent = await setupPilotParent({ layout: this.layout, dockerCgroupDriver: info.cgroupDriver === "systemd" ? "systemd" : "cgroupfs", priority: info.rootless ? "normal" : config.pilot_cpu_priority });
    if (parent.detail !== this.priority.detail) this.opts.logger.info(`pilot CPU priority: ${parent.detail}`);
    this.priority = { mode: parent.mode, detail: info.rootless ? "normal: rootless Docker cannot give pilots a parent cgroup" : parent.detail };
    this.parent = parent.cgroupParent;
    this.weight = parent.weight;
    this.meter = new PilotCpuMeter({ layout: this.layout, parent: this.parent ?? "docker", driver: info.cgroupDriver === "systemd" ? "systemd" : "cgroupfs" });
    if (this.sampler) return; // Docker came back: keep the windows
    // The meter is looked up at each sample: a priority change replaces it.
    const pilotCpu = { sample: (ids: readonly string[], nowMs: number) => this.meter?.sample(ids, nowMs) ?? 0 };
    this.sampler = new HostSampler({ readers: procReaders(), pilotCpu, diskPaths: this.diskPaths(), clock: this.opts.clock, startedAtMs: this.opts.startedAtMs });
    await this.sampleOnce(); // the first decision has an observation to go on
    this.arm();
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

  atFullWeight<T>(fn: () => Promise<T>): Promise<T> {
    return atFullWeight(this.weight, fn);
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
      this.last = await this.sampler.sample(this.pilotIds());
      this.onSample();
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, "host sample failed");
    } finally {
      this.sampling = false;
    }
  }
}
