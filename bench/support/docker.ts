// Docker access of the benchmarks: one dockerode client, pilots made directly with a
// Plancton instance's labels (the daemon adopts them) plus the run's bench label, and
// removal by label. The daemon itself always goes through src/runtime.
import { plainPilotSpec } from "../../test/helpers/plain-pilot-spec.js";
import type Docker from "dockerode";
import { LABEL_INSTANCE, instanceLabels } from "../../src/daemon/loop/labels.js";
import { pilotName } from "../../src/runtime/pilot-name.js";
import type { ContainerEngine, PilotInfo, PilotSpec } from "../../src/runtime/engine.js";

import { docker, TEST_IMAGE } from "../../test/helpers/docker.js";

export { docker, requireDocker } from "../../test/helpers/docker.js";
export const IMAGE = TEST_IMAGE;
export const LABEL_BENCH = "org.plancton.bench";

export interface PilotShape {
  readonly cmd: string[];
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly cgroupParent?: string;
}

/** The spec the daemon would make for one pilot of `instance`, with the bench label added. */
export function pilotSpecFor(
  instance: string,
  benchLabels: Record<string, string>,
  shape: PilotShape,
): PilotSpec {
  const name = pilotName(instance);
  return plainPilotSpec({
    name,
    hostname: `plancton-bench-${name.slice(-6)}`,
    image: IMAGE,
    cmd: shape.cmd,
    labels: { ...instanceLabels(instance), ...benchLabels },
    cpuQuota: Math.round(shape.cpus * 100000),
    memoryBytes: shape.memoryBytes,
    memorySwapBytes: shape.memoryBytes,
    networkMode: "bridge",
    cgroupParent: shape.cgroupParent,
  });
}

/** Creates and starts `count` pilots of `instance` (the daemon adopts them at its next listing). */
export async function launchPilots(
  engine: ContainerEngine,
  instance: string,
  benchLabels: Record<string, string>,
  count: number,
  shape: PilotShape,
  concurrency = 8,
): Promise<PilotInfo[]> {
  if (count <= 0) return [];
  const specs = Array.from({ length: count }, () => pilotSpecFor(instance, benchLabels, shape));
  const { launched, error } = await engine.launchMany(specs, concurrency);
  if (error || launched.length !== count)
    throw new Error(`launched ${launched.length}/${count} pilots: ${error?.message ?? "?"}`);
  return launched;
}

export async function containersWithLabel(label: string, value: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${label}=${value}`] } });
}

export async function instanceContainers(instance: string): Promise<Docker.ContainerInfo[]> {
  return containersWithLabel(LABEL_INSTANCE, instance);
}

/** Force-removes containers, `concurrency` at a time; returns how many could not be removed. */
export async function removeContainers(ids: readonly string[], concurrency = 8): Promise<number> {
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      try {
        await docker.getContainer(id).remove({ force: true });
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 404) failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return failed;
}

export async function removeInstance(instance: string): Promise<number> {
  return removeContainers((await instanceContainers(instance)).map((c) => c.Id));
}
