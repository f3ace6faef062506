// Where the freezer, memory and cpuset files of a pilot are, for Docker's and Podman's
// layouts, cgroupfs and systemd drivers, v1 and v2 (host/container-cgroup.ts), and what
// the freezer writes and reads on each version (host/freezer.ts), on fake trees in a
// temporary folder (the real kernel: test/integration/host-freezer.test.ts, the VM rig).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { containerCgroupDirs, findControllerTree } from "../../src/host/container-cgroup.js";
import { PilotFreezer } from "../../src/host/freezer.js";

const root = mkdtempSync(join(tmpdir(), "plancton-freezer-"));
after(() => rmSync(root, { recursive: true, force: true }));
const ID = "a".repeat(64);

test("candidate directories: Docker and Podman, cgroupfs and systemd, the parent first", () => {
  const v1 = { version: "v1" as const, base: "/cg/freezer" };
  assert.deepEqual(containerCgroupDirs(v1, "cgroupfs", "/plancton", ID).slice(0, 2), [
    `/cg/freezer/plancton/${ID}`,
    `/cg/freezer/plancton/libpod-${ID}`,
  ]);
  assert.ok(containerCgroupDirs(v1, "cgroupfs", undefined, ID).includes(`/cg/freezer/docker/${ID}`));
  assert.ok(
    containerCgroupDirs(v1, "cgroupfs", undefined, ID).includes(`/cg/freezer/libpod_parent/libpod-${ID}`),
  );
  const v2 = { version: "v2" as const, base: "/cg" };
  const systemd = containerCgroupDirs(v2, "systemd", "plancton.slice", ID);
  assert.equal(systemd[0], `/cg/plancton.slice/docker-${ID}.scope`);
  assert.ok(systemd.includes(`/cg/plancton.slice/libpod-${ID}.scope`));
  assert.ok(systemd.includes(`/cg/system.slice/docker-${ID}.scope`));
  assert.ok(systemd.includes(`/cg/machine.slice/libpod-${ID}.scope`));
});

test("the controller's tree: a v1 mount, or the v2 tree (which has cgroup.freeze everywhere)", () => {
  const v1 = join(root, "v1");
  mkdirSync(join(v1, "freezer"), { recursive: true });
  writeFileSync(join(v1, "freezer", "cgroup.procs"), "");
  assert.deepEqual(findControllerTree("freezer", v1), { version: "v1", base: join(v1, "freezer") });
  assert.equal(findControllerTree("memory", v1), undefined);
  const v2 = join(root, "v2");
  mkdirSync(v2, { recursive: true });
  writeFileSync(join(v2, "cgroup.controllers"), "cpuset cpu io memory pids\n");
  assert.deepEqual(findControllerTree("freezer", v2), { version: "v2", base: v2 });
  assert.deepEqual(findControllerTree("memory", v2), { version: "v2", base: v2 });
});

test("v1: FROZEN / THAWED to freezer.state; FREEZING reads as freezing", async () => {
  const dir = join(root, "f1", "docker", ID);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "freezer.state"), "THAWED\n");
  const f = new PilotFreezer({
    tree: { version: "v1", base: join(root, "f1") },
    driver: "cgroupfs",
    parent: undefined,
  });
  assert.equal(await f.state(ID), "thawed");
  await f.freeze(ID);
  assert.equal(readFileSync(join(dir, "freezer.state"), "utf8"), "FROZEN");
  writeFileSync(join(dir, "freezer.state"), "FREEZING\n");
  assert.equal(await f.state(ID), "freezing");
  await f.thaw(ID);
  assert.equal(readFileSync(join(dir, "freezer.state"), "utf8"), "THAWED");
  assert.equal(await f.state("b".repeat(64)), undefined, "no cgroup: unknown");
  await assert.rejects(f.freeze("b".repeat(64)), /no freezer cgroup found/);
});

test("v2 (Podman, systemd): 1 / 0 to cgroup.freeze; frozen once cgroup.events says so", async () => {
  const dir = join(root, "f2", "machine.slice", `libpod-${ID}.scope`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "cgroup.freeze"), "0\n");
  writeFileSync(join(dir, "cgroup.events"), "populated 1\nfrozen 0\n");
  const f = new PilotFreezer({
    tree: { version: "v2", base: join(root, "f2") },
    driver: "systemd",
    parent: undefined,
  });
  assert.equal(await f.state(ID), "thawed");
  // Asked but never done (a task that cannot stop): undone, refused, the engine takes over.
  await assert.rejects(f.freeze(ID), /stayed FREEZING; thawed/);
  assert.equal(readFileSync(join(dir, "cgroup.freeze"), "utf8"), "0");
  writeFileSync(join(dir, "cgroup.events"), "populated 1\nfrozen 1\n");
  assert.equal(await f.freeze(ID), "frozen");
  assert.equal(readFileSync(join(dir, "cgroup.freeze"), "utf8"), "1");
  await f.thaw(ID);
  assert.equal(readFileSync(join(dir, "cgroup.freeze"), "utf8"), "0");
});
