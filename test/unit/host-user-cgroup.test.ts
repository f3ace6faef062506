// Run as the desktop's own user (issue 24, deliverable 4): whose cgroup tree the pilots are
// in (the system's, the user's delegated user@UID.service, none), the cpu delegation check
// with the command that fixes it, the slice's idle weight set through `systemctl --user`
// and read back from the kernel's file in the user's tree, Podman's Rootless field, and
// the pilots' CPU found under the user's tree. systemd is faked; trees are temporary folders.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  DELEGATE_FIX,
  PilotCpuMeter,
  choosePilotTree,
  cpuDelegationProblem,
  detectCgroupLayout,
  readParentWeight,
  userServiceDir,
  userSystemd,
  type PilotTree,
  type SystemdControl,
} from "../../src/host/cgroups.js";
import { fakeTrees } from "../helpers/fake-tree.js";
import { setUpParent } from "../../src/daemon/owners/pilot-parent-setup.js";
import { toEngineInfo } from "../../src/runtime/docker-mapping.js";

const tree = fakeTrees("plancton-user-cgroup-");

const USER = "user.slice/user-1000.slice/user@1000.service";
const facts = {
  uid: 1000,
  rootless: false,
  engine: "podman",
  cgroupDriver: "systemd",
  cgroupVersion: "2",
  root: "/cg",
  exists: () => true,
};

describe("choosePilotTree", () => {
  it("root and a rootful engine: the system's tree, as ever", () => {
    assert.deepEqual(choosePilotTree({ ...facts, uid: 0, engine: "docker" }), {
      kind: "system",
      root: "/cg",
    });
  });
  it("root and a rootless engine: none, in today's words", () => {
    const t = choosePilotTree({ ...facts, uid: 0, rootless: true });
    assert.equal(t.kind, "none");
    assert.equal(t.kind === "none" && t.priorityReason, "rootless Docker cannot give pilots a parent cgroup");
  });
  it("a user with Podman (whether /info says rootless or not): the user's manager's tree", () => {
    for (const rootless of [false, true])
      assert.deepEqual(choosePilotTree({ ...facts, rootless }), {
        kind: "user",
        root: `/cg/${USER}`,
        uid: 1000,
      });
    assert.equal(choosePilotTree({ ...facts, engine: "docker", rootless: true }).kind, "user");
  });
  it("says why not: a rootful Docker, cgroup v1, cgroupfs, no user manager", () => {
    const why = (f: Partial<typeof facts>) => {
      const t: PilotTree = choosePilotTree({ ...facts, ...f });
      return t.kind === "none" ? t.reason : `not none: ${t.kind}`;
    };
    assert.match(why({ engine: "docker" }), /runs as uid 1000 and the engine as root/);
    assert.match(why({ cgroupVersion: "1" }), /cgroup v1/);
    assert.match(why({ cgroupDriver: "cgroupfs" }), /cgroupfs cgroup manager.*cgroup_manager = "systemd"/);
    assert.match(
      why({ exists: () => false }),
      /user manager does not run for uid 1000 \(loginctl enable-linger\)/,
    );
  });
  it("userServiceDir", () => {
    assert.equal(userServiceDir(1000), `/sys/fs/cgroup/${USER}`);
  });
});

describe("cpuDelegationProblem", () => {
  it("none when cpu is delegated; else the command that fixes it", () => {
    assert.equal(cpuDelegationProblem("/u", "cpu memory pids\n"), undefined);
    const why = cpuDelegationProblem("/u", "memory pids\n");
    assert.ok(why?.includes("no cpu in /u/cgroup.controllers"));
    assert.ok(why?.endsWith(DELEGATE_FIX));
    assert.match(DELEGATE_FIX, /Delegate=cpu cpuset io memory pids/);
    assert.match(DELEGATE_FIX, /\/etc\/systemd\/system\/user@\.service\.d\/delegate\.conf/);
  });
});

function fakeSystemd(): SystemdControl & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    label: "systemd --user",
    running: () => true,
    setProperty: async (unit, props) => void calls.push(`${unit} ${props.join(" ")}`),
  };
}

function userTree(controllers: string): { root: string; dir: string } {
  const root = tree({
    "cgroup.controllers": "cpu cpuset io memory pids\n",
    [`${USER}/cgroup.controllers`]: controllers,
    [`${USER}/cgroup.subtree_control`]: "memory pids\n",
    [`${USER}/plancton.slice/cpu.idle`]: "0\n",
    [`${USER}/plancton.slice/cpu.weight`]: "100\n",
    [`${USER}/plancton.slice/cgroup.subtree_control`]: "\n",
  });
  return { root, dir: join(root, USER) };
}

describe("setUpParent in the user's tree", () => {
  it("sets CPUWeight=idle through the user's manager, writes and reads back cpu.idle there, says its scope", async () => {
    const { dir } = userTree("cpu memory pids\n");
    const sd = fakeSystemd();
    const users: number[] = [];
    const parent = await setUpParent(
      {
        tree: { kind: "user", root: dir, uid: 1000 },
        layout: detectCgroupLayout(dir),
        driver: "systemd",
        priority: "idle",
      },
      { systemd: fakeSystemd(), userSystemd: (uid) => (users.push(uid), sd), readText: (p) => readText(p) },
    );
    assert.deepEqual(users, [1000]);
    assert.deepEqual(sd.calls, ["plancton.slice CPUWeight=idle"]);
    assert.equal(parent.mode, "idle");
    assert.equal(parent.cgroupParent, "plancton.slice");
    assert.equal(
      parent.detail,
      `idle (cgroup v2 cpu.idle=1 on ${dir}/plancton.slice, held by systemd --user CPUWeight=idle); ` +
        "below the user's own units; beside other users and services, at user-1000.slice's weight",
    );
    assert.deepEqual(await readParentWeight(parent.weight!), { holds: true, value: "1" });
    assert.equal(parent.weight!.file, join(dir, "plancton.slice/cpu.idle"));
    // cpu enabled for the slice in the user's manager's subtree.
    assert.match(readText(join(dir, "cgroup.subtree_control")), /cpu/);
  });
  it("without the cpu controller delegated: normal priority, the fixing command, systemd not asked", async () => {
    const { dir } = userTree("memory pids\n");
    const sd = fakeSystemd();
    const parent = await setUpParent(
      {
        tree: { kind: "user", root: dir, uid: 1000 },
        layout: detectCgroupLayout(dir),
        driver: "systemd",
        priority: "idle",
      },
      { systemd: sd, userSystemd: () => sd, readText },
    );
    assert.equal(parent.mode, "normal");
    assert.equal(parent.cgroupParent, undefined);
    assert.ok(parent.detail.startsWith("normal: the cpu controller is not delegated"));
    assert.ok(parent.detail.endsWith(DELEGATE_FIX));
    assert.deepEqual(sd.calls, []);
  });
  it("no tree of the daemon's: normal, with the reason", async () => {
    const parent = await setUpParent({
      tree: { kind: "none", reason: "why not" },
      layout: { kind: "unknown", root: "/x", reason: "-" },
      driver: "systemd",
      priority: "idle",
    });
    assert.deepEqual(parent, { cgroupParent: undefined, mode: "normal", detail: "normal: why not" });
  });
});

describe("userSystemd", () => {
  it("names itself systemd --user and finds the manager by XDG_RUNTIME_DIR", () => {
    const run = tree({ "systemd/private": "" });
    assert.equal(userSystemd(1000, { XDG_RUNTIME_DIR: run }).label, "systemd --user");
    assert.equal(userSystemd(1000, { XDG_RUNTIME_DIR: run }).running(), true);
    assert.equal(userSystemd(1000, { XDG_RUNTIME_DIR: join(run, "nothing") }).running(), false);
  });
});

describe("Podman's /info", () => {
  it("Rootless: true without name=rootless in SecurityOptions is rootless", () => {
    const info = toEngineInfo({ SecurityOptions: ["name=seccomp,profile=default"], Rootless: true });
    assert.equal(info.rootless, true);
    assert.equal(toEngineInfo({ SecurityOptions: [] }).rootless, false);
  });
});

describe("the pilots' CPU in the user's tree", () => {
  it("finds libpod-<id>.scope under the user's plancton.slice and under user.slice (Podman's default)", () => {
    const A = "a".repeat(64);
    const B = "b".repeat(64);
    const stat = (usec: number) => `usage_usec ${usec}\n`;
    const root = tree({
      [`${USER}/cgroup.controllers`]: "cpu memory pids\n",
      [`${USER}/plancton.slice/libpod-${A}.scope/cpu.stat`]: stat(0),
      [`${USER}/user.slice/libpod-${B}.scope/cpu.stat`]: stat(0),
    });
    const dir = join(root, USER);
    const meter = new PilotCpuMeter({
      layout: detectCgroupLayout(dir),
      driver: "systemd",
      parent: "plancton.slice",
      ncpus: 2,
    });
    meter.sample([A, B], 0);
    writeFileSync(join(dir, `plancton.slice/libpod-${A}.scope/cpu.stat`), stat(1_500_000));
    writeFileSync(join(dir, `user.slice/libpod-${B}.scope/cpu.stat`), stat(500_000));
    assert.equal(meter.sample([A, B], 1000), 1);
    assert.deepEqual(meter.lastMissing, []);
  });
});

function readText(p: string): string {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
}
