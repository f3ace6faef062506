// The give-back at the kernel's speed, one owner for the daemon: the freeze written to the
// pilots' freezer cgroup (the engine's pause as the fallback, behind the engine the daemon
// uses), the engine's work for the daemon counted as Plancton's CPU (not the owner's),
// each pilot's own memory for the memory victims, the reads between samples
// (watch_interval: TickTimers runs check()), and the owner's own CPU while it is active.
import type { Config } from "../../config/schema.js";
import type { PolicyConfig, PolicyPilot } from "../../policy/policy-types.js";
import { OwnCpuMeter, type PilotTree } from "../../host/index.js";
import type { ContainerEngine, EngineInfo } from "../../runtime/index.js";
import type { Observation } from "../../vocabulary.js";
import type { Logger } from "../process/logger.js";
import { withEngineWork } from "./engine-work.js";
import { withKernelFreezer } from "./freezing-engine.js";
import { GiveBackWatch } from "./give-back-watch.js";
import type { HostSamplingLike } from "./host-sampling.js";
import { KernelFreezer } from "./kernel-freezer.js";
import { OwnerSuppression } from "./owner-suppression.js";
import { PilotMemoryUsage } from "./pilot-memory-usage.js";

export class GiveBack {
  /** The engine every owner uses: pause and resume go to the kernel's freezer first. */
  readonly engine: ContainerEngine;
  readonly watch: GiveBackWatch;
  private readonly freezer: KernelFreezer;
  private readonly memory = new PilotMemoryUsage();
  private readonly suppression: OwnerSuppression;
  /** The daemon's and the engine's own CPU (while it works for the daemon): not the owner's. */
  private readonly ownCpu = new OwnCpuMeter();

  /** after: runs fn once after ms (the daemon's TickTimers). */
  constructor(
    engine: ContainerEngine,
    logger: Logger,
    sampling: HostSamplingLike,
    policy: () => Pick<PolicyConfig, "minFreeMem">,
    after: (ms: number, fn: () => void) => void,
  ) {
    this.freezer = new KernelFreezer(logger);
    this.engine = withKernelFreezer(withEngineWork(engine, this.ownCpu), this.freezer);
    sampling.setOwnCpu?.(this.ownCpu);
    this.suppression = new OwnerSuppression(logger);
    this.watch = new GiveBackWatch({
      logger,
      after,
      sampleNow: () => sampling.sample(),
      sampledOwner: () => sampling.latest()?.values.cpu_owner,
      pilotCount: () => sampling.pilotCount?.(),
      ownCpu: this.ownCpu,
      minFreeMem: () => policy().minFreeMem,
      ramBytes: () => sampling.hostFacts().ramBytes,
    });
  }

  /** The engine answered: its driver, the pilots' parent cgroup and their tree are known. */
  async setEngine(
    info: EngineInfo,
    cgroupParent: string | undefined,
    config: Config,
    pilots?: PilotTree,
  ): Promise<void> {
    this.freezer.setEngine(info, cgroupParent, pilots);
    this.memory.setEngine(info, cgroupParent, pilots);
    this.watch.setEngine(info, cgroupParent, config, pilots);
    await this.suppression.setEngine(info, cgroupParent, pilots);
  }

  configure(config: Config): void {
    this.watch.configure(config);
  }

  /** After each host sample: shrink or restore the pilots' cpuset (owner_suppress). */
  afterSample(config: Config, values: Observation | undefined, running: number): Promise<void> {
    return this.suppression.afterSample(config, values, running);
  }

  /** Each pilot's own cgroup memory usage, for the memory victims' rule. */
  withMemory(pilots: PolicyPilot[]): PolicyPilot[] {
    return this.memory.withUsage(pilots);
  }

  async stop(): Promise<void> {
    this.watch.stop();
    await this.suppression.stop(); // the pilots' cpuset restored
  }

  /** Which path each give-back takes now (status). */
  inForce(config: Config): Record<string, string> {
    return {
      freeze: this.freezer.inForce(),
      "memory victims": this.memory.inForce(),
      ...this.watch.inForce(),
      "owner suppress": this.suppression.inForce(config),
    };
  }
}
