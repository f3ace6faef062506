// Cgroup layout detection, the pilots' idle parent and the pilot CPU meter, all
// against fake cgroup trees in a temporary folder. A fake tree cannot create
// control files on mkdir as the kernel does, so each test lays out the parent's
// files the kernel would make ("kernel files"), then checks what our code wrote.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fakeTrees } from "../helpers/fake-tree.js";
import { closeKept } from "../../src/host/kept-file.js";
import {
  detectCgroupLayout,
  nodeCgroupFs,
  parseCgroupMounts,
  PilotCpuMeter,
  setupPilotParent,
  slicePath,
  type CgroupFs,
  type CgroupLayout,
  type PilotParent,
} from "../../src/host/cgroups.js";

const tree = fakeTrees("plancton-cgroups-");

const read = (path: string): string => readFileSync(path, "utf8").trim();

function v1Tree(extra: Record<string, string> = {}): string {
  return tree({ "cpu/cpu.shares": "1024\n", "cpuacct/cpuacct.usage": "0\n", ...extra });
}

function v2Tree(controllers: string, extra: Record<string, string> = {}): string {
  return tree({ "cgroup.controllers": `${controllers}\n`, "cgroup.subtree_control": "\n", ...extra });
}

/** A CgroupFs that fails the given operations on paths containing `match`. */
function failingFs(op: keyof CgroupFs, match: string, code: string): CgroupFs {
  const wrapped = { ...nodeCgroupFs };
  const original = nodeCgroupFs[op] as (path: string, data?: string) => Promise<unknown>;
  (wrapped as Record<string, unknown>)[op] = async (path: string, data?: string) => {
    if (path.includes(match)) {
      throw Object.assign(new Error(`${code}: simulated failure, ${op} '${path}'`), { code });
    }
    return original(path, data);
  };
  return wrapped;
}

/** The parent without its weight handle, for comparing the rest. */
function withoutWeight(p: PilotParent): Omit<PilotParent, "weight"> {
  const { weight: _weight, ...rest } = p;
  return rest;
}

/** setupPilotParent on the tree at root (its layout detected), idle on cgroupfs unless told, without the weight. */
async function setUp(
  root: string,
  more: Partial<Parameters<typeof setupPilotParent>[0]> = {},
): Promise<Omit<PilotParent, "weight">> {
  const layout = detectCgroupLayout(root);
  return withoutWeight(
    await setupPilotParent({ layout, dockerCgroupDriver: "cgroupfs", priority: "idle", ...more }),
  );
}

describe("detectCgroupLayout", () => {
  it("finds cgroup v1 with cpu and cpuacct mounted apart", () => {
    const root = v1Tree();
    assert.deepEqual(detectCgroupLayout(root), {
      kind: "v1",
      root,
      cpuDir: join(root, "cpu"),
      cpuacctDir: join(root, "cpuacct"),
    });
  });

  it("finds cgroup v1 with cpu,cpuacct co-mounted (and the usual symlinks)", () => {
    const root = tree({ "cpu,cpuacct/cpu.shares": "1024\n", "cpu,cpuacct/cpuacct.usage": "0\n" });
    symlinkSync("cpu,cpuacct", join(root, "cpu"));
    symlinkSync("cpu,cpuacct", join(root, "cpuacct"));
    const layout = detectCgroupLayout(root);
    assert.equal(layout.kind, "v1");
    assert.ok(layout.kind === "v1" && layout.cpuacctDir === layout.cpuDir);
  });

  it("finds cgroup v2 by cgroup.controllers at the root", () => {
    const root = v2Tree("cpuset cpu io memory pids");
    assert.deepEqual(detectCgroupLayout(root), { kind: "v2", root, unifiedDir: root });
  });

  it("takes a hybrid host's unified tree only when the cpu controller is there", () => {
    const withCpu = tree({ "unified/cgroup.controllers": "cpu memory\n" });
    assert.deepEqual(detectCgroupLayout(withCpu), {
      kind: "v2",
      root: withCpu,
      unifiedDir: join(withCpu, "unified"),
    });
    const withoutCpu = tree({ "unified/cgroup.controllers": "\n" });
    assert.equal(detectCgroupLayout(withoutCpu).kind, "unknown");
  });

  it("reports unknown with a reason, and falls back to the mounts in mountinfo", () => {
    const empty = tree({ "nothing/": "" });
    const layout = detectCgroupLayout(empty);
    assert.equal(layout.kind, "unknown");
    assert.ok(layout.kind === "unknown" && layout.reason.includes(empty));

    const elsewhere = v1Tree();
    const mountinfo = join(empty, "mountinfo");
    writeFileSync(
      mountinfo,
      [
        `31 23 0:28 / ${empty} rw,relatime - tmpfs tmpfs rw,mode=755`,
        `32 31 0:29 / ${join(elsewhere, "cpu")} rw,relatime - cgroup cgroup rw,cpu`,
        `33 31 0:30 / ${join(elsewhere, "cpuacct")} rw,relatime - cgroup cgroup rw,cpuacct`,
        `41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`,
      ].join("\n"),
    );
    assert.deepEqual(detectCgroupLayout(empty, mountinfo), {
      kind: "v1",
      root: empty,
      cpuDir: join(elsewhere, "cpu"),
      cpuacctDir: join(elsewhere, "cpuacct"),
    });
  });

  it("parses mountinfo with optional fields and escaped spaces", () => {
    const mounts = parseCgroupMounts(
      "29 22 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n" +
        "40 31 0:37 / /my\\040cgroups rw - cgroup cgroup rw,cpu,cpuacct\n" +
        "50 31 0:40 / /proc rw - proc proc rw\n",
    );
    assert.deepEqual(mounts, [
      { mountPoint: "/sys/fs/cgroup", fsType: "cgroup2", superOptions: ["rw", "nsdelegate"] },
      { mountPoint: "/my cgroups", fsType: "cgroup", superOptions: ["rw", "cpu", "cpuacct"] },
    ]);
  });

  it("maps systemd slices to their nested paths", () => {
    assert.equal(slicePath("plancton.slice"), "plancton.slice");
    assert.equal(slicePath("a-b-c.slice"), "a.slice/a-b.slice/a-b-c.slice");
    assert.equal(slicePath("-.slice"), "");
  });
});

describe("setupPilotParent", () => {
  it("v1 cgroupfs: /plancton with cpu.shares=2, made under cpu and cpuacct", async () => {
    const root = v1Tree({ "cpu/plancton/cpu.shares": "1024\n" });
    const layout = detectCgroupLayout(root);
    const r = withoutWeight(
      await setupPilotParent({ layout, dockerCgroupDriver: "cgroupfs", priority: "idle" }),
    );
    assert.deepEqual(r, {
      cgroupParent: "/plancton",
      mode: "idle",
      detail: "idle (cgroup v1 cpu.shares=2 on /plancton)",
    });
    assert.equal(read(join(root, "cpu/plancton/cpu.shares")), "2");
    const { weight } = await setupPilotParent({ layout, dockerCgroupDriver: "cgroupfs", priority: "idle" });
    assert.deepEqual(
      weight,
      { file: join(root, "cpu/plancton/cpu.shares"), idle: "2", normal: "1024" },
      "what pause and kill raise for a moment",
    );
    assert.ok(existsSync(join(root, "cpuacct/plancton")));
  });

  it("v1: detects the layout itself from root, and honours parentName", async () => {
    const root = v1Tree({ "cpu/pilots/cpu.shares": "1024\n" });
    const r = withoutWeight(
      await setupPilotParent({
        root,
        dockerCgroupDriver: "cgroupfs",
        priority: "idle",
        parentName: "pilots",
      }),
    );
    assert.equal(r.cgroupParent, "/pilots");
    assert.equal(read(join(root, "cpu/pilots/cpu.shares")), "2");
  });

  it("v1 systemd driver: plancton.slice under each controller", async () => {
    const root = v1Tree({ "cpu/plancton.slice/cpu.shares": "1024\n" });
    const r = await setUp(root, { dockerCgroupDriver: "systemd" });
    assert.deepEqual(r, {
      cgroupParent: "plancton.slice",
      mode: "idle",
      detail: "idle (cgroup v1 cpu.shares=2 on plancton.slice)",
    });
    assert.equal(read(join(root, "cpu/plancton.slice/cpu.shares")), "2");
    assert.ok(existsSync(join(root, "cpuacct/plancton.slice")));
  });

  it("v1 where the kernel has cpu.idle (5.15+): cpu.idle=1, cpu.shares left alone, 0 is the full weight", async () => {
    const root = v1Tree({ "cpu/plancton/cpu.shares": "1024\n", "cpu/plancton/cpu.idle": "0\n" });
    const r = await setupPilotParent({
      layout: detectCgroupLayout(root),
      dockerCgroupDriver: "cgroupfs",
      priority: "idle",
    });
    assert.deepEqual(withoutWeight(r), {
      cgroupParent: "/plancton",
      mode: "idle",
      detail: "idle (cgroup v1 cpu.idle=1 on /plancton)",
    });
    assert.equal(read(join(root, "cpu/plancton/cpu.idle")), "1");
    assert.equal(read(join(root, "cpu/plancton/cpu.shares")), "1024");
    assert.deepEqual(r.weight, { file: join(root, "cpu/plancton/cpu.idle"), idle: "1", normal: "0" });
  });

  it("v1: cpu.idle refused by the kernel falls back to cpu.shares=2", async () => {
    const root = v1Tree({ "cpu/plancton/cpu.shares": "1024\n", "cpu/plancton/cpu.idle": "0\n" });
    const fs = failingFs("writeFile", "cpu.idle", "EINVAL");
    const r = await setUp(root, { fs });
    assert.deepEqual(r, {
      cgroupParent: "/plancton",
      mode: "idle",
      detail: "idle (cgroup v1 cpu.shares=2 on /plancton)",
    });
    assert.equal(read(join(root, "cpu/plancton/cpu.shares")), "2");
  });

  it("v1: a parent already at cpu.idle=1 (the kernel then refuses cpu.shares) counts as idle", async () => {
    const root = v1Tree({ "cpu/plancton/cpu.shares": "1024\n", "cpu/plancton/cpu.idle": "1\n" });
    const fs = failingFs("writeFile", "cpu.shares", "EINVAL");
    const r = await setUp(root, { fs });
    assert.deepEqual(r, {
      cgroupParent: "/plancton",
      mode: "idle",
      detail: "idle (cgroup v1 cpu.idle=1 on /plancton)",
    });
  });

  it("v2 with cpu.idle: enables +cpu at the root, sets cpu.idle=1", async () => {
    const root = v2Tree("cpuset cpu io memory pids", {
      "plancton/cpu.idle": "0\n",
      "plancton/cpu.weight": "100\n",
      "plancton/cgroup.subtree_control": "\n",
    });
    const r = await setUp(root);
    assert.deepEqual(r, {
      cgroupParent: "/plancton",
      mode: "idle",
      detail: "idle (cgroup v2 cpu.idle=1 on /plancton)",
    });
    assert.equal(read(join(root, "plancton/cpu.idle")), "1");
    assert.equal(read(join(root, "plancton/cpu.weight")), "100");
    assert.equal(read(join(root, "cgroup.subtree_control")), "+cpu");
    assert.equal(read(join(root, "plancton/cgroup.subtree_control")), "+cpu");
  });

  it("v2 without cpu.idle (kernel < 5.15): cpu.weight=1; leaves a subtree_control that has cpu alone", async () => {
    const root = v2Tree("cpu memory", {
      "cgroup.subtree_control": "cpu memory\n",
      "plancton/cpu.weight": "100\n",
    });
    const r = await setUp(root);
    assert.deepEqual(r, {
      cgroupParent: "/plancton",
      mode: "idle",
      detail: "idle (cgroup v2 cpu.weight=1 on /plancton)",
    });
    assert.equal(read(join(root, "plancton/cpu.weight")), "1");
    assert.equal(read(join(root, "cgroup.subtree_control")), "cpu memory");
  });

  it("v2 without cpu in cgroup.controllers: normal, with the reason, nothing created", async () => {
    const root = v2Tree("memory pids");
    const r = await setUp(root);
    assert.equal(r.mode, "normal");
    assert.equal(r.cgroupParent, undefined);
    assert.match(r.detail, /^normal: cgroup v2 without cpu controller delegation/);
    assert.ok(!existsSync(join(root, "plancton")));
  });

  it("v2 where the parent gets no cpu files (controller not enabled): normal, with the reason", async () => {
    const root = v2Tree("cpu", { "cgroup.subtree_control": "cpu\n" });
    const r = await setUp(root);
    assert.equal(r.mode, "normal");
    assert.match(r.detail, /neither cpu.idle nor cpu.weight/);
  });

  it("v2 systemd driver: plancton.slice under the root", async () => {
    const root = v2Tree("cpu io memory", {
      "plancton.slice/cpu.idle": "0\n",
      "plancton.slice/cpu.weight": "100\n",
    });
    const r = await setUp(root, { dockerCgroupDriver: "systemd" });
    assert.deepEqual(r, {
      cgroupParent: "plancton.slice",
      mode: "idle",
      detail: "idle (cgroup v2 cpu.idle=1 on plancton.slice)",
    });
    assert.equal(read(join(root, "plancton.slice/cpu.idle")), "1");
  });

  it("read-only cgroup tree (EROFS on mkdir): normal, with the reason", async () => {
    const root = v1Tree();
    const fs = failingFs("mkdir", "plancton", "EROFS");
    const r = await setUp(root, { fs });
    assert.equal(r.mode, "normal");
    assert.equal(r.cgroupParent, undefined);
    assert.match(r.detail, /^normal: cannot set up the pilots' parent cgroup "plancton": EROFS/);
  });

  it("no permission to write the weight (EACCES): normal, with the reason", async () => {
    const root = v2Tree("cpu", { "cgroup.subtree_control": "cpu\n", "plancton/cpu.idle": "0\n" });
    const fs = failingFs("writeFile", "cpu.idle", "EACCES");
    const r = await setUp(root, { fs });
    assert.equal(r.mode, "normal");
    assert.match(r.detail, /EACCES/);
  });

  it("a plain directory that is no cgroup file system (no cpu.shares appears): normal, ENOENT", async () => {
    const root = v1Tree();
    const r = await setUp(root);
    assert.equal(r.mode, "normal");
    assert.match(r.detail, /ENOENT/);
    assert.ok(!existsSync(join(root, "cpu/plancton/cpu.shares")), "must not create control files");
  });

  it("the parent's name taken by a file: normal, with the reason", async () => {
    const root = v1Tree({ "cpu/plancton": "not a directory" });
    const r = await setUp(root);
    assert.equal(r.mode, "normal");
    assert.match(r.detail, /EEXIST|ENOTDIR/);
  });

  it("a weight that does not read back: normal, with the reason", async () => {
    const root = v1Tree({ "cpu/plancton/cpu.shares": "1024\n" });
    const fs: CgroupFs = { ...nodeCgroupFs, writeFile: async () => undefined };
    const r = await setUp(root, { fs });
    assert.equal(r.mode, "normal");
    assert.match(r.detail, /reads "1024" after writing 2/);
  });

  it("unknown layout and bad names: normal, with the reason", async () => {
    const unknown: CgroupLayout = { kind: "unknown", root: "/x", reason: "rootless" };
    const r = withoutWeight(
      await setupPilotParent({ layout: unknown, dockerCgroupDriver: "cgroupfs", priority: "idle" }),
    );
    assert.deepEqual(r, {
      cgroupParent: undefined,
      mode: "normal",
      detail: "normal: unknown cgroup layout (rootless)",
    });
    const layout = detectCgroupLayout(v1Tree());
    for (const [driver, parentName] of [
      ["cgroupfs", "a/b"],
      ["cgroupfs", ".."],
      ["systemd", "a-b.slice"],
    ] as const) {
      const bad = await setupPilotParent({
        layout,
        dockerCgroupDriver: driver,
        priority: "idle",
        parentName,
      });
      assert.equal(bad.mode, "normal", parentName);
      assert.match(bad.detail, /invalid/);
    }
  });

  it("priority normal: no parent, nothing touched", async () => {
    const root = v1Tree();
    const r = await setUp(root, { priority: "normal" });
    assert.deepEqual(r, { cgroupParent: undefined, mode: "normal", detail: "normal (configured)" });
    assert.ok(!existsSync(join(root, "cpu/plancton")));
  });
});

describe("PilotCpuMeter", () => {
  const A = "a".repeat(64);
  const B = "b".repeat(64);
  const C = "c".repeat(64);

  function v1Counters(
    parent: string,
    ids: string[],
  ): { layout: CgroupLayout; set: (id: string, ns: number) => void } {
    const root = v1Tree(
      Object.fromEntries(ids.map((id) => [`cpuacct/${parent}/${id}/cpuacct.usage`, "0\n"])),
    );
    return {
      layout: detectCgroupLayout(root),
      set: (id, ns) => writeFileSync(join(root, "cpuacct", parent, id, "cpuacct.usage"), `${ns}\n`),
    };
  }

  it("sums the containers' usage deltas over elapsed time and CPUs", () => {
    const { layout, set } = v1Counters("plancton", [A, B]);
    set(A, 5e9);
    set(B, 7e9);
    const meter = new PilotCpuMeter({ layout, driver: "cgroupfs", parent: "/plancton", ncpus: 2 });
    assert.equal(meter.sample([A, B], 10_000), 0, "first sample is the baseline");
    set(A, 5e9 + 1e9);
    set(B, 7e9 + 0.5e9);
    assert.equal(meter.sample([A, B], 11_000), 0.75); // 1.5 s of CPU in 1 s on 2 CPUs
    assert.equal(meter.sample([A, B], 12_000), 0);
  });

  it("counts a new container's whole counter (it started since the last sample); forgets vanished ones", () => {
    const { layout, set } = v1Counters("plancton", [A, B]);
    const meter = new PilotCpuMeter({ layout, driver: "cgroupfs", parent: "/plancton", ncpus: 1 });
    assert.equal(meter.sample([A], 0), 0, "the very first sample has no interval");
    set(A, 1e9);
    set(B, 0.5e9); // B started within the interval: its first work is the pilots', not the owner's
    assert.equal(meter.sample([A, B], 2000), 0.75);
    set(B, 0.5e9 + 1e9);
    assert.equal(meter.sample([A, B], 3000), 1);
    assert.equal(meter.trackedCount, 2);
    assert.equal(meter.sample([B], 4000), 0);
    assert.equal(meter.trackedCount, 1, "A forgotten");
    set(A, 9e9);
    // A back after a gap: counted in full, clamped; erring towards pilots never kills one.
    assert.equal(meter.sample([A, B], 5000), 1);
    set(A, 9.5e9);
    assert.equal(meter.sample([A, B], 6000), 0.5, "then deltas again");
  });

  it("counts a counter that went backwards as 0 and re-baselines", () => {
    const { layout, set } = v1Counters("plancton", [A]);
    const meter = new PilotCpuMeter({ layout, driver: "cgroupfs", parent: "/plancton", ncpus: 1 });
    set(A, 10e9);
    meter.sample([A], 0);
    set(A, 1e9);
    assert.equal(meter.sample([A], 1000), 0);
    set(A, 1.25e9);
    assert.equal(meter.sample([A], 2000), 0.25);
  });

  it("reports containers without a readable counter as missing, counting 0", () => {
    const { layout, set } = v1Counters("plancton", [A, B]);
    const meter = new PilotCpuMeter({ layout, driver: "cgroupfs", parent: "/plancton", ncpus: 1 });
    meter.sample([A, B, C], 0);
    assert.deepEqual(meter.lastMissing, [C]);
    set(A, 0.5e9);
    rmSync(join(layout.kind === "v1" ? layout.cpuacctDir! : "", "plancton", B), { recursive: true });
    closeKept(); // a removed cgroup's kept descriptor fails; a fake file's would read on
    assert.equal(meter.sample([A, B, C], 1000), 0.5);
    assert.deepEqual(meter.lastMissing, [B, C]);
  });

  it("finds pilots still under Docker's default parent, and reads v1 under /docker by default", () => {
    const { layout, set } = v1Counters("docker", [A]);
    for (const cgroupParent of ["/plancton", "docker", undefined]) {
      const meter = new PilotCpuMeter({ layout, driver: "cgroupfs", parent: cgroupParent, ncpus: 1 });
      set(A, 0);
      meter.sample([A], 0);
      set(A, 0.2e9);
      assert.equal(meter.sample([A], 1000), 0.2);
    }
  });

  it("reads cgroup v2 cpu.stat usage_usec, with cgroupfs and with systemd scopes", () => {
    const stat = (usec: number) => `usage_usec ${usec}\nuser_usec ${usec}\nsystem_usec 0\nnr_periods 0\n`;
    const root = v2Tree("cpu", {
      [`plancton/${A}/cpu.stat`]: stat(1000),
      [`plancton.slice/docker-${B}.scope/cpu.stat`]: stat(1000),
      [`system.slice/docker-${C}.scope/cpu.stat`]: stat(1000),
    });
    const layout = detectCgroupLayout(root);
    const fs1 = new PilotCpuMeter({ layout, driver: "cgroupfs", parent: "/plancton", ncpus: 4 });
    const sd = new PilotCpuMeter({ layout, driver: "systemd", parent: "plancton.slice", ncpus: 4 });
    fs1.sample([A], 0);
    sd.sample([B, C], 0);
    writeFileSync(join(root, `plancton/${A}/cpu.stat`), stat(1000 + 2_000_000));
    writeFileSync(join(root, `plancton.slice/docker-${B}.scope/cpu.stat`), stat(1000 + 1_000_000));
    writeFileSync(join(root, `system.slice/docker-${C}.scope/cpu.stat`), stat(1000 + 1_000_000));
    assert.equal(fs1.sample([A], 1000), 0.5); // 2 s of CPU in 1 s on 4 CPUs
    assert.equal(sd.sample([B, C], 1000), 0.5);
    assert.deepEqual(sd.lastMissing, []);
  });

  it("clamps to [0, 1] and returns 0 when no time has passed", () => {
    const { layout, set } = v1Counters("plancton", [A]);
    const meter = new PilotCpuMeter({ layout, driver: "cgroupfs", parent: "/plancton", ncpus: 1 });
    meter.sample([A], 0);
    set(A, 5e9);
    assert.equal(meter.sample([A], 1000), 1);
    set(A, 6e9);
    assert.equal(meter.sample([A], 1000), 0);
  });

  it("measures nothing on an unknown layout", () => {
    const meter = new PilotCpuMeter({
      layout: { kind: "unknown", root: "/", reason: "x" },
      driver: "cgroupfs",
      ncpus: 1,
    });
    meter.sample([A], 0);
    assert.equal(meter.sample([A], 1000), 0);
    assert.deepEqual(meter.lastMissing, [A]);
  });
});
