// Docker access for integration tests, independent of Plancton's own runtime, so tests
// check the engine's real state. Docker missing is a failure with a fix, never a skip.
import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { LABEL_INSTANCE } from "../../src/daemon/loop/labels.js";

export const TEST_IMAGE = "plancton/busybox:local";
export const docker = new Docker();

export async function requireDocker(): Promise<void> {
  try {
    await docker.ping();
    await docker.getImage(TEST_IMAGE).inspect();
  } catch (err) {
    throw new Error(
      `Docker engine or the test image ${TEST_IMAGE} is missing (${(err as Error).message}): run \`npm run prepare-host\` (as root) first`,
    );
  }
}

export function uniquePrefix(name: string): string {
  return `pt-${name}-${randomBytes(3).toString("hex")}`;
}

/** Containers of one Plancton instance (by its label), as the engine sees them. */
export async function containersOf(instance: string, engine = docker): Promise<Docker.ContainerInfo[]> {
  return engine.listContainers({ all: true, filters: { label: [`${LABEL_INSTANCE}=${instance}`] } });
}

/** Removes every container of `instance` from the engine (the default socket's, or `engine`). */
export async function removeInstance(instance: string, engine = docker): Promise<void> {
  for (const c of await containersOf(instance, engine))
    await engine
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
}
