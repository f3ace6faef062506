// owner_suppress on the real kernel (host/pilot-suppress.ts): a pilot under its own parent
// cgroup; suppressing leaves the owner the lowest CPU (the parent's and the pilot's
// cpuset.cpus read it back, and so does the pilot's process), restoring gives every CPU back.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readdir, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { findControllerTree } from "../../src/host/container-cgroup.js";
import { PilotCpusetSuppress, formatCpuList, parseCpuList } from "../../src/host/pilot-suppress.js";
import { createDockerEngine } from "../../src/runtime/docker-engine.js";
import { inspect, requireDocker, testRun } from "./runtime-helpers.js";

const t = testRun("suppress");
const parentName = `${t.prefix}-parent`;

before(requireDocker);
after(async () => {
  await t.cleanup();
  for (const controller of await readdir("/sys/fs/cgroup").catch(() => [] as string[]))
    await rmdir(join("/sys/fs/cgroup", controller, parentName)).catch(() => undefined);
  await rmdir(join("/sys/fs/cgroup", parentName)).catch(() => undefined);
});

test("suppress leaves the owner the lowest CPU, restore gives all back, as the kernel reads", async () => {
  const tree = findControllerTree("cpuset");
  assert.ok(tree, "no cpuset cgroup hierarchy on this host");
  const all = parseCpuList(readFileSync(join(tree.base, "cpuset.cpus"), "utf8"));
  assert.ok(all.length >= 2, "this test needs 2 CPUs or more");
  const engine = createDockerEngine();
  const info = await engine.info();
  assert.equal(info.cgroupDriver, "cgroupfs", "this test names a cgroupfs parent");
  const pilot = await engine.launch(t.spec({ cmd: ["sleep", "600"], cgroupParent: `/${parentName}` }));
  const parentDir = join(tree.base, parentName);
  const s = new PilotCpusetSuppress(tree, parentDir);
  const pid = (await inspect(pilot.id)).State.Pid;
  const allowed = () => /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  const childCpus = () =>
    tree.version === "v1" ? readFileSync(join(parentDir, pilot.id, "cpuset.cpus"), "utf8").trim() : undefined;

  const pilots = formatCpuList(all.slice(1));
  assert.equal(await s.suppress(1), pilots);
  assert.equal(await s.read(), pilots);
  if (tree.version === "v1") assert.equal(childCpus(), pilots);
  assert.equal(allowed(), pilots, "the pilot's process may no longer run on the owner's CPU");

  assert.equal(await s.restore(), formatCpuList(all));
  assert.equal(await s.read(), formatCpuList(all));
  if (tree.version === "v1") assert.equal(childCpus(), formatCpuList(all));
  assert.equal(allowed(), formatCpuList(all));
});
