// The static host facts on this real machine: systeminformation answers in time, and
// Docker's data root is found on its filesystem.
import assert from "node:assert/strict";
import os from "node:os";
import { test } from "node:test";
import { gatherHostInfo } from "../../src/host/index.js";
import { docker, requireDocker } from "../helpers/docker.js";

test("gatherHostInfo on this host: every fact, agreeing with node:os and Docker", async () => {
  await requireDocker();
  const root = ((await docker.info()) as { DockerRootDir: string }).DockerRootDir;
  // Generous bound: the machine is loaded by parallel tests; the daemon's default is 5 s.
  const h = await gatherHostInfo({ dockerRootDir: root, timeoutMs: 30_000 });
  assert.equal(h.partial, undefined, JSON.stringify(h));
  assert.equal(h.cpuCores, os.cpus().length);
  assert.ok(h.physicalCores >= 1 && h.physicalCores <= h.cpuCores, JSON.stringify(h));
  assert.ok(Math.abs(h.memTotalBytes - os.totalmem()) < 0.05 * os.totalmem(), JSON.stringify(h));
  assert.equal(h.kernel, os.release());
  assert.match(h.cpuModel, /\S/);
  assert.match(h.os, /\S/);
  assert.equal(h.dockerRoot?.path, root);
  assert.ok(root === h.dockerRoot.mount || root.startsWith(h.dockerRoot.mount), JSON.stringify(h.dockerRoot));
  assert.match(h.dockerRoot.fsType, /^[a-z0-9]+$/);
  assert.ok(h.dockerRoot.sizeBytes > 0);
});
