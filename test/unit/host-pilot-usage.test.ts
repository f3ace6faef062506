// The accounting's per-pilot CPU: the meter's one read feeds both cpu_pilots and the
// ledger; a final read before removal; a vanished cgroup keeps its last reading; memory
// peaks from the kernel's files. On recorded cgroup files in a temporary tree.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  PilotCpuMeter,
  PilotUsageLedger,
  memoryPeakPath,
  type CgroupLayout,
} from "../../src/host/cgroups.js";
import { lostCauseOf, withUsage } from "../../src/daemon/report/accounting-record.js";
import { closeKept } from "../../src/host/kept-file.js";

const base = mkdtempSync(join(tmpdir(), "plancton-usage-"));
after(() => rmSync(base, { recursive: true, force: true }));
const A = "a".repeat(64);
const B = "b".repeat(64);

function write(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

function v1(): { layout: CgroupLayout; cpu: (id: string) => string; mem: (id: string) => string } {
  const root = mkdtempSync(join(base, "v1-"));
  const layout: CgroupLayout = {
    kind: "v1",
    root,
    cpuDir: join(root, "cpu"),
    cpuacctDir: join(root, "cpuacct"),
  };
  return {
    layout,
    cpu: (id) => join(root, "cpuacct", "docker", id, "cpuacct.usage"),
    mem: (id) => join(root, "memory", "docker", id, "memory.max_usage_in_bytes"),
  };
}

describe("PilotUsageLedger fed by PilotCpuMeter", () => {
  it("one read per sample gives cpu_pilots and each pilot's seconds, by image", () => {
    const t = v1();
    const usage = new PilotUsageLedger((id) => (id === A ? "img-a" : "img-b"));
    const meter = new PilotCpuMeter({ layout: t.layout, driver: "cgroupfs", ncpus: 2, usage });
    write(t.cpu(A), "1000000000\n");
    write(t.cpu(B), "500000000\n");
    meter.sample([A, B], 0);
    write(t.cpu(A), "3000000000\n"); // +2 s
    write(t.cpu(B), "1500000000\n"); // +1 s
    const fraction = meter.sample([A, B], 2000);
    assert.equal(fraction, 3 / (2 * 2)); // 3 CPU seconds over 2 s on 2 CPUs
    const live = Object.fromEntries(usage.live().map((l) => [l.id, l.cpuSeconds]));
    assert.deepEqual(live, { [A]: 3, [B]: 1.5 });
    assert.deepEqual(
      [...usage.cpuSecondsByImage()],
      [
        ["img-a", 3],
        ["img-b", 1.5],
      ],
    );
  });

  it("the final read before removal counts the last seconds and the memory peak", () => {
    const t = v1();
    const usage = new PilotUsageLedger(() => "img");
    const meter = new PilotCpuMeter({ layout: t.layout, driver: "cgroupfs", ncpus: 1, usage });
    write(t.cpu(A), "2000000000\n");
    meter.sample([A], 0);
    write(t.cpu(A), "2500000000\n");
    write(t.mem(A), "7340032\n");
    usage.readFinal([A], 100);
    const u = usage.take(A, lostCauseOf("overhead"));
    assert.deepEqual(u, { cpuSeconds: 2.5, readAtMs: 100, final: true, memoryPeakBytes: 7340032 });
    assert.deepEqual([...usage.lostCpuSecondsByCause()], [["overhead", 2.5]]);
    assert.equal(usage.take(A), undefined, "taken once");
  });

  it("a pilot whose cgroup vanished keeps its last reading, and says so", () => {
    const t = v1();
    const usage = new PilotUsageLedger(() => "img");
    const meter = new PilotCpuMeter({ layout: t.layout, driver: "cgroupfs", ncpus: 1, usage });
    write(t.cpu(A), "4000000000\n");
    meter.sample([A], 0);
    rmSync(join(t.cpu(A), ".."), { recursive: true });
    closeKept(); // a removed cgroup's kept descriptor fails; a fake file's would read on
    usage.readFinal([A], 50);
    assert.deepEqual(usage.take(A, lostCauseOf("ttl")), { cpuSeconds: 4, readAtMs: 0, final: false });
    assert.equal(usage.lostCpuSecondsByCause().size, 0, "a ttl end is not lost work");
  });

  it("a torn or hostile counter file is no reading; the totals never go down", () => {
    const t = v1();
    const usage = new PilotUsageLedger(() => "img");
    const meter = new PilotCpuMeter({ layout: t.layout, driver: "cgroupfs", ncpus: 1, usage });
    write(t.cpu(A), "3000000000\n");
    meter.sample([A], 0);
    write(t.cpu(A), "garbage\n");
    meter.sample([A], 1000);
    write(t.cpu(A), "1000000000\n"); // backwards
    meter.sample([A], 2000);
    assert.equal(usage.cpuSecondsByImage().get("img"), 3);
    assert.equal(usage.live()[0]?.cpuSeconds, 3);
  });
});

describe("memoryPeakPath", () => {
  it("v1: the memory hierarchy at the cpuacct cgroup's path; v2: memory.peak beside cpu.stat", () => {
    const v1Layout: CgroupLayout = { kind: "v1", root: "/cg", cpuDir: "/cg/cpu", cpuacctDir: "/cg/cpuacct" };
    assert.equal(
      memoryPeakPath(v1Layout, "/cg/cpuacct/system.slice/docker-x.scope/cpuacct.usage"),
      "/cg/memory/system.slice/docker-x.scope/memory.max_usage_in_bytes",
    );
    const v2Layout: CgroupLayout = { kind: "v2", root: "/cg", unifiedDir: "/cg" };
    assert.equal(
      memoryPeakPath(v2Layout, "/cg/machine.slice/libpod-x.scope/cpu.stat"),
      "/cg/machine.slice/libpod-x.scope/memory.peak",
    );
  });

  it("v2 usage_usec is read the same way (Podman's layout)", () => {
    const root = mkdtempSync(join(base, "v2-"));
    const layout: CgroupLayout = { kind: "v2", root, unifiedDir: root };
    const dir = join(root, "machine.slice", `libpod-${A}.scope`);
    write(join(dir, "cpu.stat"), "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n");
    write(join(dir, "memory.peak"), "1048576\n");
    const usage = new PilotUsageLedger(() => "img");
    new PilotCpuMeter({ layout, driver: "systemd", ncpus: 1, usage });
    usage.readFinal([A], 10);
    assert.deepEqual(usage.take(A), { cpuSeconds: 1.5, readAtMs: 10, final: true, memoryPeakBytes: 1048576 });
  });
});

describe("withUsage", () => {
  const rec = {
    id: A,
    name: "plancton-x",
    image: "img",
    startedAtMs: 1000,
    endedAtMs: 61_500,
    uptimeSeconds: 61,
    exitCode: 137,
    reason: "overhead",
  };
  it("adds CPU, wall, how it was read, and the give-back", () => {
    const r = withUsage(rec, { cpuSeconds: 30.25, readAtMs: 61_000, final: true });
    assert.equal(r.cpuSeconds, 30.25);
    assert.equal(r.wallSeconds, 60.5);
    assert.equal(r.cpuRead, "final");
    assert.equal(r.givenBack, true);
  });
  it("a pilot never read says so, with 0 CPU seconds", () => {
    const r = withUsage({ ...rec, reason: "exited" }, undefined);
    assert.equal(r.cpuSeconds, 0);
    assert.equal(r.cpuRead, "none");
    assert.equal(r.givenBack, false);
  });
});

describe("the last day's core-hours", () => {
  it("adds readings by the hour and forgets hours older than a day", () => {
    const H = 3_600_000;
    const usage = new PilotUsageLedger(() => "img");
    usage.note(A, 3600e9, 0); // 1 core-hour in hour 0
    usage.note(A, 7200e9, 10 * H); // another in hour 10
    assert.equal(usage.coreHoursLastDay(10 * H), 2);
    assert.equal(usage.coreHoursLastDay(24 * H), 1, "hour 0 is more than a day ago");
    usage.note(A, 10_800e9, 34 * H + 5); // hour 34 reuses hour 10's bucket
    assert.equal(usage.coreHoursLastDay(34 * H + 6), 1);
  });
});
