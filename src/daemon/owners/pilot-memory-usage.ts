// The pilots' memory as their own cgroups count it, for the memory give-back's victim
// set (policy/memory-victims.ts): found once the engine's cgroup driver and the pilots'
// parent are known; unknown (the youngest-alone rule) where the memory controller is not.
import { PilotMemory, findControllerTree, type PilotTree } from "../../host/index.js";
import type { PolicyPilot } from "../../policy/policy-types.js";
import type { EngineInfo } from "../../runtime/index.js";

export class PilotMemoryUsage {
  private reader?: PilotMemory;

  /** pilots: the pilots' tree (placement's); without it, the system's unless the engine is rootless. */
  setEngine(info: EngineInfo, cgroupParent: string | undefined, pilots?: PilotTree): void {
    const kind = pilots?.kind ?? (info.rootless ? "none" : "system");
    const tree =
      kind === "system"
        ? findControllerTree("memory")
        : pilots?.kind === "user"
          ? findControllerTree("memory", pilots.root)
          : undefined;
    const driver = info.cgroupDriver === "systemd" ? "systemd" : "cgroupfs";
    this.reader = tree && new PilotMemory(tree, driver, cgroupParent);
  }

  /** The pilots, each with its usage where it is found. */
  withUsage(pilots: PolicyPilot[]): PolicyPilot[] {
    const reader = this.reader;
    if (!reader) return pilots;
    reader.keepOnly(new Set(pilots.map((p) => p.id)));
    return pilots.map((p) => {
      if (p.state !== "running" && p.state !== "paused") return p;
      const bytes = reader.usageBytes(p.id);
      return bytes === undefined ? p : { ...p, memoryBytes: bytes };
    });
  }

  inForce(): string {
    return this.reader ? this.reader.describe() : "unknown (no memory cgroup found): youngest first";
  }
}
