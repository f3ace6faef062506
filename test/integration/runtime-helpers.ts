// Shared by the runtime's integration tests: a Docker client independent of the engine
// under test (to check the real state), unique labels and names per test run, spec
// building, and cleanup of everything a test made. Docker missing fails, never skips.
import { plainPilotSpec } from "../helpers/plain-pilot-spec.js";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { LABEL_INSTANCE } from "../../src/daemon/loop/labels.js";
import type { PilotSpec } from "../../src/runtime/engine.js";
import type Docker from "dockerode";
import { docker, TEST_IMAGE } from "../helpers/docker.js";
import { pilotName } from "../../src/runtime/pilot-name.js";

export { waitFor } from "../helpers/wait.js";

/** The engine's view is checked against the helpers' plain client. */
export { docker, requireDocker, TEST_IMAGE } from "../helpers/docker.js";
const run = promisify(execFile);

/** The docker CLI, for what a person would type (foreign containers, tag, push). */
export async function dockerCli(...args: string[]): Promise<string> {
  const { stdout } = await run("docker", args, { timeout: 60_000, maxBuffer: 16 << 20 });
  return stdout.trim();
}

/** A test run's identity: its label (plancton.test=<id>) and name prefix. */
export interface TestRun {
  id: string;
  prefix: string;
  /** The labels every pilot of this run carries, instance "a". */
  labels: Record<string, string>;
  name(): string;
  spec(over?: Partial<PilotSpec>): PilotSpec;
  /** Removes every container with the run's label or name prefix. */
  cleanup(): Promise<void>;
}

export const TEST_LABEL = "org.plancton.test";
export const INSTANCE_LABEL = LABEL_INSTANCE;

export function testRun(topic: string): TestRun {
  const id = randomBytes(4).toString("hex");
  const prefix = `pt-rt-${topic}-${id}`;
  const labels = { [TEST_LABEL]: id, [INSTANCE_LABEL]: "a" };
  const name = () => pilotName(prefix);
  return {
    id,
    prefix,
    labels,
    name,
    spec(over = {}) {
      const n = over.name ?? name();
      return plainPilotSpec({
        name: n,
        hostname: `plancton-test-${n.slice(-6)}`,
        image: TEST_IMAGE,
        cmd: ["sleep", "300"],
        labels: { ...labels },
        cpuQuota: 10000,
        ...over,
      });
    },
    async cleanup() {
      const byLabel = await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${id}`] } });
      const byName = await docker.listContainers({ all: true, filters: { name: [prefix] } });
      const ids = new Set([...byLabel, ...byName].map((c) => c.Id));
      await Promise.all(
        [...ids].map((cid) =>
          docker
            .getContainer(cid)
            .remove({ force: true, v: true })
            .catch(() => undefined),
        ),
      );
    },
  };
}

/** Docker's inspect of a container, through the independent client. */
export function inspect(id: string): Promise<Docker.ContainerInspectInfo> {
  return docker.getContainer(id).inspect();
}

/** The container's state, or "gone". */
export async function stateOf(id: string): Promise<string> {
  try {
    return (await inspect(id)).State.Status;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return "gone";
    throw err;
  }
}

/** All of a stream's text. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stream)
    text += typeof chunk === "string" ? chunk : (chunk as Buffer).toString("utf8");
  return text;
}
