// Podman's cgroup names in the pilot CPU meter: libpod-<id> (cgroupfs) and
// libpod-<id>.scope with the process in a `container` child (systemd), under the
// configured parent or Podman's defaults (/libpod_parent, machine.slice).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fakeTrees } from "../helpers/fake-tree.js";
import { containerCounterCandidates, detectCgroupLayout, PilotCpuMeter } from "../../src/host/cgroups.js";

const tree = fakeTrees("plancton-podman-cgroups-");

const A = "a".repeat(64);
const B = "b".repeat(64);
const stat = (usec: number) => `usage_usec ${usec}\nuser_usec ${usec}\nsystem_usec 0\n`;

describe("PilotCpuMeter with Podman's cgroup names", () => {
  it("reads libpod-<id>.scope under the configured slice and under machine.slice (systemd, v2)", () => {
    const root = tree({
      "cgroup.controllers": "cpu\n",
      [`plancton.slice/libpod-${A}.scope/cpu.stat`]: stat(0),
      [`plancton.slice/libpod-${A}.scope/container/cpu.stat`]: stat(0),
      [`machine.slice/libpod-${B}.scope/cpu.stat`]: stat(0),
    });
    const meter = new PilotCpuMeter({
      layout: detectCgroupLayout(root),
      driver: "systemd",
      parent: "plancton.slice",
      ncpus: 2,
    });
    meter.sample([A, B], 0);
    // The scope's counter includes its `container` child, where the process runs.
    writeFileSync(join(root, `plancton.slice/libpod-${A}.scope/cpu.stat`), stat(1_000_000));
    writeFileSync(join(root, `machine.slice/libpod-${B}.scope/cpu.stat`), stat(500_000));
    assert.equal(meter.sample([A, B], 1000), 0.75);
    assert.deepEqual(meter.lastMissing, []);
  });

  it("reads libpod-<id> under the configured parent and /libpod_parent (cgroupfs, v1)", () => {
    const root = tree({
      "cpu/cpu.shares": "1024\n",
      "cpuacct/cpuacct.usage": "0\n",
      [`cpuacct/plancton/libpod-${A}/cpuacct.usage`]: "0\n",
      [`cpuacct/libpod_parent/libpod-${B}/cpuacct.usage`]: "0\n",
    });
    const meter = new PilotCpuMeter({
      layout: detectCgroupLayout(root),
      driver: "cgroupfs",
      parent: "/plancton",
      ncpus: 1,
    });
    meter.sample([A, B], 0);
    writeFileSync(join(root, `cpuacct/plancton/libpod-${A}/cpuacct.usage`), "300000000\n");
    writeFileSync(join(root, `cpuacct/libpod_parent/libpod-${B}/cpuacct.usage`), "200000000\n");
    assert.equal(meter.sample([A, B], 1000), 0.5);
  });

  it("tries the configured parent first, Docker's name before Podman's", () => {
    const layout = { kind: "v2" as const, root: "/cg", unifiedDir: "/cg" };
    const paths = containerCounterCandidates(layout, "systemd", "plancton.slice", A).map((c) => c.path);
    assert.deepEqual(paths.slice(0, 2), [
      `/cg/plancton.slice/docker-${A}.scope/cpu.stat`,
      `/cg/plancton.slice/libpod-${A}.scope/cpu.stat`,
    ]);
    assert.ok(paths.includes(`/cg/machine.slice/libpod-${A}.scope/cpu.stat`));
  });
});
