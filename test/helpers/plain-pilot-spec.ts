// A complete PilotSpec with plain defaults (no privileges, no mounts), for tests and
// benchmarks that talk to the runtime directly; each caller overrides what it is about.
import type { PilotSpec } from "../../src/runtime/index.js";

export function plainPilotSpec(
  spec: Pick<PilotSpec, "name" | "hostname" | "image" | "cmd" | "labels"> & Partial<PilotSpec>,
): PilotSpec {
  return {
    env: [],
    cpuQuota: 100000,
    cpuPeriod: 100000,
    memoryBytes: 64 * 1024 * 1024,
    memorySwapBytes: 64 * 1024 * 1024,
    user: "0:0",
    binds: [],
    devices: [],
    capAdd: [],
    capDrop: [],
    securityOpt: [],
    privileged: false,
    networkMode: "",
    ...spec,
  };
}
