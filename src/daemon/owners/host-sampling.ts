// Samples the host when TickTimers says (every sample_interval, independent of main_sleep)
// and keeps the latest sample with its time, the machine's static facts, and the readers
// that failed. Sampling starts once the engine answered (its data root is a disk path; the
// pilots' CPU is measured under their parent). Tests replace it with a fixed one.
import os from "node:os";
import type { HostFacts } from "../../config/max-docks.js";
import type { Config } from "../../config/schema.js";
import {
  DesktopSources,
  HostSampler,
  INPUT_WATCH_INTERVAL_MS,
  LOGIND_IDLE_INTERVAL_MS,
  LOGIND_INTERVAL_MS,
  InputWatch,
  gatherHostInfo,
  procReaders,
  type HostInfo,
  type PilotCpuSource,
  type ProcReaders,
  type SampleError,
} from "../../host/index.js";
import type { EngineInfo } from "../../runtime/index.js";
import type { Logger } from "../process/logger.js";
import type { Observation } from "../../vocabulary.js";
import type { PilotIds } from "./pilot-cache.js";
import { namesLogindVariable, watchesInput } from "./input-trigger.js";

/** One host sample and when it was taken. */
export interface HostSample {
  readonly atMs: number;
  readonly values: Observation;
}

export interface HostSamplingLike {
  /** pilotIds: whose CPU to measure; onSample: runs after each sample. */
  start(config: Config, pilotIds: () => PilotIds, onSample: () => void): void;
  /** One sample now (TickTimers runs it every sample_interval); none before setEngine. */
  sample(): Promise<void>;
  configure(config: Config): void;
  setEngine(info: EngineInfo, config: Config, meter: () => PilotCpuSource | undefined): Promise<void>;
  latest(): HostSample | undefined;
  hostFacts(): HostFacts;
  /** Plancton's own CPU so far, ms (host/own-cpu.ts): cpu_plancton, not the owner's. */
  setOwnCpu?(own: { totalMs(): number }): void;
  /** The daemon's pilots now, running and paused (the ids it samples). */
  pilotCount?(): number;
  /** Static facts of the machine, once gathered (start, then Docker's data root once known). */
  hostInfo?(): HostInfo | undefined;
  /** Readers that failed on the last sample (their variables kept their last value). */
  sampleErrors?(): readonly SampleError[];
  /** Reads the input interrupt counts; a change samples at once (TickTimers runs it while
   *  suspend_when names an input variable). */
  pollInput?(): Promise<void>;
  /** How often to run pollInput: while suspend_when names an input variable; 0: never. */
  inputPollMs?(): number;
}

export class HostSampling implements HostSamplingLike {
  private sampler?: HostSampler;
  private last?: HostSample;
  private engineInfo?: EngineInfo;
  private config?: Config;
  private sampling = false;
  private info?: HostInfo;
  private errors: readonly SampleError[] = [];
  private errorsSaid = "";
  private again = false;
  private readonly desktop = new DesktopSources();
  // A key press samples and decides at once; one pressed during a sample: one more after it.
  private readonly inputWatch = new InputWatch(this.desktop, () => {
    if (this.sampling) this.again = true;
    else void this.sample();
  });
  private ownCpu?: { totalMs(): number };
  private pilotIds: () => PilotIds = () => ({ running: [], paused: [] });
  private onSample: () => void = () => undefined;

  /** readers: /proc by default (tests: a failing one). */
  constructor(
    private readonly opts: {
      clock: () => number;
      logger: Logger;
      startedAtMs: number;
      readers?: ProcReaders;
    },
  ) {}

  pilotCount(): number {
    const ids = this.pilotIds();
    return ids.running.length + ids.paused.length;
  }

  setOwnCpu(own: { totalMs(): number }): void {
    this.ownCpu = own;
  }

  start(config: Config, pilotIds: () => PilotIds, onSample: () => void): void {
    this.pilotIds = pilotIds;
    this.onSample = onSample;
    this.configure(config);
    // Without Docker's data root: status has the machine even while Docker is away.
    if (!this.info) void gatherHostInfo().then((info) => (this.info ??= info));
  }

  configure(config: Config): void {
    this.config = config;
    this.sampler?.setDiskPaths(this.diskPaths());
    this.inputWatch.minGapMs = config.sample_interval * 1000;
    // loginctl is two processes a time: every 5 s only for an expression that needs it.
    this.desktop.logindIntervalMs = namesLogindVariable(config)
      ? LOGIND_INTERVAL_MS
      : LOGIND_IDLE_INTERVAL_MS;
  }

  async setEngine(info: EngineInfo, config: Config, meter: () => PilotCpuSource | undefined): Promise<void> {
    this.engineInfo = info;
    this.config = config;
    if (this.info?.dockerRoot?.path !== info.dockerRootDir)
      this.info = await gatherHostInfo({ dockerRootDir: info.dockerRootDir });
    if (this.sampler) {
      this.sampler.setDiskPaths(this.diskPaths());
      return; // Docker came back: keep the windows
    }
    // The meter is looked up at each sample: a priority change replaces it.
    const pilotCpu = { sample: (ids: readonly string[], nowMs: number) => meter()?.sample(ids, nowMs) ?? 0 };
    this.sampler = new HostSampler({
      readers: this.opts.readers ?? procReaders(),
      pilotCpu,
      ownCpu: this.ownCpu,
      diskPaths: this.diskPaths(),
      clock: this.opts.clock,
      startedAtMs: this.opts.startedAtMs,
      desktop: this.desktop,
    });
    await this.sample(); // the first decision has an observation to go on
  }

  inputPollMs(): number {
    return this.config && watchesInput(this.config) ? INPUT_WATCH_INTERVAL_MS : 0;
  }

  pollInput(): Promise<void> {
    return this.sampler ? this.inputWatch.poll() : Promise.resolve();
  }

  latest(): HostSample | undefined {
    return this.last;
  }

  hostFacts(): HostFacts {
    const v = this.last?.values ?? {};
    return {
      ncpus: v.ncpus ?? os.cpus().length,
      ramBytes: v.ram_bytes ?? os.totalmem(),
      swapBytes: v.swap_bytes ?? 0,
    };
  }

  hostInfo(): HostInfo | undefined {
    return this.info;
  }

  sampleErrors(): readonly SampleError[] {
    return this.errors;
  }

  private diskPaths(): string[] {
    return [
      ...new Set([this.engineInfo?.dockerRootDir ?? "/var/lib/docker", ...(this.config?.disk_paths ?? [])]),
    ];
  }

  async sample(): Promise<void> {
    if (this.sampling || !this.sampler) return;
    this.sampling = true;
    try {
      const values = await this.sampler.sample(this.pilotIds());
      this.last = { atMs: values.sampled_at_ms ?? this.opts.clock(), values };
      this.reportErrors(this.sampler.lastErrors);
      this.onSample();
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, "host sample failed");
    } finally {
      this.sampling = false;
    }
    if (this.again) {
      this.again = false;
      await this.sample();
    }
  }

  /** A failing reader is said when the set of failing readers changes, not every sample. */
  private reportErrors(errors: readonly SampleError[]): void {
    this.errors = errors;
    const key = errors.map((e) => e.source).join(",");
    if (key === this.errorsSaid) return;
    this.errorsSaid = key;
    if (errors.length === 0) this.opts.logger.info("host sampling: every reader answers again");
    else {
      const failing = errors.map(sourceError).join("; ");
      const why = "a failing reader's variables keep the last value read, a missing source's are absent";
      this.opts.logger.warn(`host sampling: ${failing} (${why})`);
    }
  }
}

function sourceError(e: SampleError): string {
  return `${e.source}: ${e.message}${e.absent === true ? " (absent)" : ""}`;
}
