// Busy pilots for the colocation benchmarks: `n` containers spinning on `cpus` each,
// under the idle-priority parent (what the daemon makes at pilot_cpu_priority idle) or
// under Docker's default cgroups (normal). The parent is the benchmarks' own
// ("/plancton-bench"), so a daemon of another test setting "/plancton" cannot change it.
import {
  atFullWeight,
  detectCgroupLayout,
  setupPilotParent,
  type PilotParent,
} from "../../src/host/index.js";
import { createDockerEngine, type ContainerEngine } from "../../src/runtime/index.js";
import { docker, launchPilots, removeInstance } from "./docker.js";

export type Placement = "idle" | "normal";

const BUSY = ["sh", "-c", "while :; do :; done"];

let parent: PilotParent | undefined;

/** The idle-priority parent (cpu.idle=1 where the kernel has it), made once. */
export async function idleParent(): Promise<PilotParent> {
  if (parent) return parent;
  const info = (await docker.info()) as { CgroupDriver?: string };
  parent = await setupPilotParent({
    layout: detectCgroupLayout(),
    dockerCgroupDriver: info.CgroupDriver === "systemd" ? "systemd" : "cgroupfs",
    priority: "idle",
    parentName: "plancton-bench",
  });
  if (parent.mode !== "idle") throw new Error(`no idle-priority parent on this host: ${parent.detail}`);
  return parent;
}

export interface BusyPilots {
  readonly ids: string[];
  remove(): Promise<void>;
}

/** Starts `n` busy pilots of `instance` at `cpus` each. */
export async function startBusyPilots(
  instance: string,
  labels: Record<string, string>,
  n: number,
  cpus: number,
  placement: Placement,
  engine: ContainerEngine = createDockerEngine({ timeoutMs: 120_000 }),
): Promise<BusyPilots> {
  const p = placement === "idle" ? await idleParent() : undefined;
  // At full weight: on a busy host a container's init starved at idle weight takes minutes to start.
  const launched = await atFullWeight(p?.weight, () =>
    launchPilots(engine, instance, labels, n, {
      cmd: BUSY,
      cpus,
      memoryBytes: 64 * 2 ** 20,
      cgroupParent: p?.cgroupParent,
    }),
  );
  return { ids: launched.map((p) => p.id), remove: async () => void (await removeInstance(instance)) };
}
