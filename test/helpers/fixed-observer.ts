// A host with observations set by the test, so the policy's inputs are deterministic
// while Docker is real: it samples (each set() is a new sample, stamped with its time)
// and places pilots (no cgroup parent, normal priority).
import type { HostFacts } from "../../src/config/max-docks.js";
import type { HostSamplingLike } from "../../src/daemon/owners/host-sampling.js";
import type { HostSample } from "../../src/daemon/owners/host-sampling.js";
import type { CpuPriority, PilotPlacementLike, Placement } from "../../src/daemon/owners/pilot-placement.js";

export class FixedObserver implements HostSamplingLike, PilotPlacementLike {
  obs: Record<string, number>;
  private atMs = Date.now();
  private onSample: () => void = () => undefined;

  constructor(overrides: Record<string, number> = {}) {
    this.obs = {
      ncpus: 4,
      ram_bytes: 8 * 2 ** 30,
      swap_bytes: 0,
      cpu_total: 0,
      cpu_owner: 0,
      cpu_pilots: 0,
      load1: 0,
      load5: 0,
      load15: 0,
      mem_available_bytes: 6 * 2 ** 30,
      mem_available_ratio: 0.75,
      swap_used_bytes: 0,
      disk_free_bytes: 100 * 2 ** 30,
      disk_free_ratio: 0.5,
      uptime_seconds: 0,
      ...overrides,
    };
  }

  /** Changes the observation and runs the daemon's sample hook, as a real sample would. */
  set(values: Record<string, number>): void {
    Object.assign(this.obs, values);
    this.atMs = Math.max(Date.now(), this.atMs + 1); // a new sample, newer than the last
    this.onSample();
  }

  start(_c: unknown, _ids: unknown, onSample: () => void): void {
    this.onSample = onSample;
  }
  async sample(): Promise<void> {}
  configure(): void {}
  async setEngine(): Promise<void> {}
  latest(): HostSample {
    return { atMs: this.atMs, values: { ...this.obs } };
  }
  hostFacts(): HostFacts {
    return { ncpus: this.obs.ncpus ?? 4, ramBytes: this.obs.ram_bytes ?? 0, swapBytes: 0 };
  }
  cpuPriority(): CpuPriority {
    return { mode: "normal", detail: "normal (test observer)" };
  }
  placement(): Placement {
    return { apparmor: false };
  }
  meter() {
    return undefined;
  }
  async recheckIfDue(): Promise<void> {}
  atFullWeight<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }
}
