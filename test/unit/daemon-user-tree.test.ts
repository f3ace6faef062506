// The daemon's owners when it runs as the desktop's user with a rootless Podman: placement
// chooses the user's tree and sets the parent up there (its priority as status says it),
// the freezer writes cgroup.freeze in that tree when the daemon may write it (else the
// engine's pause, and why), and a root daemon on a rootful engine is as it ever was.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KernelFreezer } from "../../src/daemon/owners/kernel-freezer.js";
import { PilotPlacement } from "../../src/daemon/owners/pilot-placement.js";
import { fakeTrees } from "../helpers/fake-tree.js";
import { setUpParent } from "../../src/daemon/owners/pilot-parent-setup.js";
import type { SystemdControl } from "../../src/host/cgroups.js";
import type { EngineInfo } from "../../src/runtime/engine.js";
import { defaultConfig } from "../../src/config/schema.js";
import { quietLogger } from "../helpers/act-fakes.js";

const tree = fakeTrees("plancton-user-tree-");

const USER = "user.slice/user-1000.slice/user@1000.service";
const ID = "c".repeat(64);
const podman: EngineInfo = {
  serverVersion: "4.3.1",
  cgroupDriver: "systemd",
  cgroupVersion: "2",
  dockerRootDir: "/home/desk/.local/share/containers/storage",
  apparmor: false,
  rootless: false, // what Podman's compat /info was seen to say, run rootless in the VM
  ncpu: 2,
  memTotalBytes: 2 ** 31,
  swapLimit: true,
  warnings: [],
  engine: "podman",
};

function userRoot(): string {
  return tree({
    "cgroup.controllers": "cpu cpuset io memory pids\n",
    [`${USER}/cgroup.controllers`]: "cpu memory pids\n",
    [`${USER}/cgroup.subtree_control`]: "cpu memory pids\n",
    [`${USER}/plancton.slice/cpu.idle`]: "0\n",
    [`${USER}/plancton.slice/cpu.weight`]: "100\n",
    [`${USER}/plancton.slice/libpod-${ID}.scope/cgroup.freeze`]: "0\n",
    [`${USER}/plancton.slice/libpod-${ID}.scope/cgroup.events`]: "populated 1\nfrozen 0\n",
    [`${USER}/plancton.slice/libpod-${ID}.scope/cpu.stat`]: "usage_usec 0\n",
  });
}

const sd: SystemdControl = {
  label: "systemd --user",
  running: () => false,
  setProperty: async () => undefined,
};
const readText = (p: string) => {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
};

describe("PilotPlacement as the desktop's user", () => {
  it("puts the pilots' parent in the user's tree at idle, and meters them there", async () => {
    const root = userRoot();
    const placement = new PilotPlacement({
      clock: () => 0,
      logger: quietLogger(),
      uid: 1000,
      cgroupRoot: root,
      setup: (i) => setUpParent(i, { systemd: sd, userSystemd: () => sd, readText }),
    });
    await placement.setEngine(podman, { ...defaultConfig(), pilot_cpu_priority: "idle" });
    const t = placement.tree();
    assert.deepEqual(t, { kind: "user", root: join(root, USER), uid: 1000 });
    assert.equal(placement.cpuPriority().mode, "idle");
    assert.match(
      placement.cpuPriority().detail,
      /^idle \(cgroup v2 cpu\.idle=1 on .*user@1000\.service\/plancton\.slice/,
    );
    assert.equal(placement.placement().cgroupParent, "plancton.slice");
    assert.equal(readText(join(root, USER, "plancton.slice/cpu.idle")).trim(), "1");
    const meter = placement.meter()!;
    meter.sample([ID], 0);
    writeFileSync(join(root, USER, `plancton.slice/libpod-${ID}.scope/cpu.stat`), "usage_usec 1000000\n");
    assert.equal(meter.sample([ID], 1000), 0.5);
  });
  it("a user with a rootful Docker: normal, and why", async () => {
    const placement = new PilotPlacement({
      clock: () => 0,
      logger: quietLogger(),
      uid: 1000,
      cgroupRoot: userRoot(),
    });
    await placement.setEngine(
      { ...podman, engine: "docker" },
      { ...defaultConfig(), pilot_cpu_priority: "idle" },
    );
    assert.equal(placement.cpuPriority().mode, "normal");
    assert.match(
      placement.cpuPriority().detail,
      /^normal: the daemon runs as uid 1000 and the engine as root/,
    );
    assert.equal(placement.placement().cgroupParent, undefined);
  });
});

describe("KernelFreezer in the user's tree", () => {
  it("writes cgroup.freeze there when the daemon may", async () => {
    const root = userRoot();
    const dir = join(root, USER);
    const k = new KernelFreezer(quietLogger(), undefined, () => true);
    k.setEngine(podman, "plancton.slice", { kind: "user", root: dir, uid: 1000 });
    assert.equal(k.inForce(), `kernel freezer (cgroup v2 cgroup.freeze under ${dir}, systemd driver)`);
    assert.equal(await k.freezer()!.dirOf(ID), join(dir, `plancton.slice/libpod-${ID}.scope`));
  });
  it("the engine's pause when the tree is not writable, or there is none; root as ever", () => {
    const dir = join(userRoot(), USER);
    const k = new KernelFreezer(
      quietLogger(),
      () => ({ version: "v2", base: "/sys/fs/cgroup" }),
      () => false,
    );
    k.setEngine(podman, "plancton.slice", { kind: "user", root: dir, uid: 1000 });
    assert.equal(k.inForce(), `engine pause (${dir} is not writable by the daemon)`);
    k.setEngine(podman, "plancton.slice", { kind: "none", reason: "no tree" });
    assert.equal(k.inForce(), "engine pause (no tree)");
    k.setEngine({ ...podman, engine: "docker" }, "plancton.slice");
    assert.equal(
      k.inForce(),
      "kernel freezer (cgroup v2 cgroup.freeze under /sys/fs/cgroup, systemd driver)",
    );
    k.setEngine({ ...podman, rootless: true }, "plancton.slice");
    assert.equal(k.inForce(), "engine pause (a rootless engine's cgroups are not the daemon's to write)");
  });
});
