// Where systemd owns the pilots' slice (Docker's or Podman's systemd driver), the idle
// priority is set as the unit's property too, and read back from the kernel later.
// systemd itself is faked; the cgroup tree is a fake one in a temporary folder.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  detectCgroupLayout,
  readParentWeight,
  setSliceIdle,
  setupPilotParent,
  type SystemdControl,
} from "../../src/host/cgroups.js";

const base = mkdtempSync(join(tmpdir(), "plancton-systemd-slice-"));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

function v2Tree(): string {
  const root = join(base, `t${n++}`);
  const files = {
    "cgroup.controllers": "cpu memory\n",
    "cgroup.subtree_control": "cpu\n",
    "plancton.slice/cpu.idle": "0\n",
    "plancton.slice/cpu.weight": "100\n",
    "plancton.slice/cgroup.subtree_control": "cpu\n",
  };
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), c);
  }
  return root;
}

function fakeSystemd(refuse: readonly string[] = [], running = true): SystemdControl & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    running: () => running,
    setProperty: async (unit, props) => {
      calls.push(`${unit} ${props.join(" ")}`);
      if (props.some((p) => refuse.includes(p)))
        throw new Error(`Failed to set unit properties on ${unit}: Invalid argument`);
    },
  };
}

describe("setSliceIdle", () => {
  it("sets CPUWeight=idle on cgroup v2, falls back to CPUWeight=1 for systemd < 252", async () => {
    const sd = fakeSystemd();
    assert.equal(await setSliceIdle(sd, "plancton.slice", "v2"), "CPUWeight=idle");
    const old = fakeSystemd(["CPUWeight=idle"]);
    assert.equal(await setSliceIdle(old, "plancton.slice", "v2"), "CPUWeight=1");
    assert.deepEqual(old.calls, ["plancton.slice CPUWeight=idle", "plancton.slice CPUWeight=1"]);
  });
  it("sets CPUShares=2 on cgroup v1; nothing where systemd does not run; rejects when every form is refused", async () => {
    assert.equal(await setSliceIdle(fakeSystemd(), "plancton.slice", "v1"), "CPUShares=2");
    assert.equal(await setSliceIdle(fakeSystemd([], false), "plancton.slice", "v2"), undefined);
    await assert.rejects(
      setSliceIdle(fakeSystemd(["CPUWeight=idle", "CPUWeight=1"]), "plancton.slice", "v2"),
      /Invalid argument/,
    );
  });
});

describe("setupPilotParent through systemd", () => {
  it("with the systemd driver, sets the slice's property and says so; with cgroupfs, asks systemd nothing", async () => {
    const root = v2Tree();
    const sd = fakeSystemd();
    const parent = await setupPilotParent({
      layout: detectCgroupLayout(root),
      dockerCgroupDriver: "systemd",
      priority: "idle",
      systemd: sd,
    });
    assert.equal(parent.mode, "idle");
    assert.equal(
      parent.detail,
      "idle (cgroup v2 cpu.idle=1 on plancton.slice, held by systemd CPUWeight=idle)",
    );
    assert.deepEqual(sd.calls, ["plancton.slice CPUWeight=idle"]);
    const fsd = fakeSystemd();
    await setupPilotParent({
      layout: detectCgroupLayout(v2Tree()),
      dockerCgroupDriver: "cgroupfs",
      priority: "idle",
      systemd: fsd,
    });
    assert.deepEqual(fsd.calls, []);
  });
  it("a refusal by systemd is told, and the direct write still applies", async () => {
    const parent = await setupPilotParent({
      layout: detectCgroupLayout(v2Tree()),
      dockerCgroupDriver: "systemd",
      priority: "idle",
      systemd: fakeSystemd(["CPUWeight=idle", "CPUWeight=1"]),
    });
    assert.equal(parent.mode, "idle");
    assert.match(
      parent.detail,
      /^idle \(cgroup v2 cpu\.idle=1 on plancton\.slice; systemd refused the property: .*Invalid argument\)$/,
    );
  });
});

describe("readParentWeight", () => {
  it("reads the kernel file back: holds, reset by someone else, unreadable", async () => {
    const root = v2Tree();
    const parent = await setupPilotParent({
      layout: detectCgroupLayout(root),
      dockerCgroupDriver: "systemd",
      priority: "idle",
    });
    assert.ok(parent.weight);
    assert.deepEqual(await readParentWeight(parent.weight), { holds: true, value: "1" });
    writeFileSync(join(root, "plancton.slice/cpu.idle"), "0\n"); // what systemd does when it realizes the slice
    assert.deepEqual(await readParentWeight(parent.weight), { holds: false, value: "0" });
    rmSync(join(root, "plancton.slice"), { recursive: true });
    const gone = await readParentWeight(parent.weight);
    assert.equal(gone.holds, false);
    assert.match(gone.value, /^unreadable/);
  });
});
