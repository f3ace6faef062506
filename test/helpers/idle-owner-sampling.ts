// Host sampling with the owner held idle but the pilots' CPU real: at each sample the real
// PilotCpuMeter (the daemon's, with its usage ledger) reads the pilots' cgroups; the owner's
// figures are fixed at 0, so a busy test machine never blocks a launch the test waits for.
import os from "node:os";
import type { HostFacts } from "../../src/config/max-docks.js";
import type { HostSamplingLike } from "../../src/daemon/owners/host-sampling.js";
import type { HostSample } from "../../src/daemon/owners/host-sampling.js";
import type { PilotIds } from "../../src/daemon/owners/pilot-cache.js";
import type { PilotCpuSource } from "../../src/host/index.js";

export class IdleOwnerSampling implements HostSamplingLike {
  private meter?: () => PilotCpuSource | undefined;
  private last?: HostSample;
  private pilotIds: () => PilotIds = () => ({ running: [], paused: [] });
  private onSample: () => void = () => undefined;
  private readonly ncpus = os.availableParallelism();

  start(_config: unknown, pilotIds: () => PilotIds, onSample: () => void): void {
    this.pilotIds = pilotIds;
    this.onSample = onSample;
  }

  configure(): void {}

  async setEngine(_info: unknown, _config: unknown, meter: () => PilotCpuSource | undefined): Promise<void> {
    this.meter = meter;
    await this.sample(); // then every sample_interval, by the daemon's TickTimers
  }

  async sample(): Promise<void> {
    const meter = this.meter;
    if (!meter) return;
    const ids = this.pilotIds();
    const now = Date.now();
    const pilots = meter()?.sample([...ids.running, ...ids.paused], now) ?? 0;
    this.last = {
      atMs: now,
      values: {
        ncpus: this.ncpus,
        ram_bytes: os.totalmem(),
        swap_bytes: 0,
        cpu_total: pilots,
        cpu_owner: 0,
        cpu_pilots: pilots,
        mem_available_bytes: os.totalmem() / 2,
        mem_available_ratio: 0.5,
        swap_used_bytes: 0,
        disk_free_bytes: 100 * 2 ** 30,
        disk_free_ratio: 0.5,
      },
    };
    this.onSample();
  }

  stop(): void {
    this.meter = undefined;
  }

  latest(): HostSample | undefined {
    return this.last;
  }

  hostFacts(): HostFacts {
    return { ncpus: this.ncpus, ramBytes: os.totalmem(), swapBytes: 0 };
  }
}
