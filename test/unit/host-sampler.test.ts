import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { HostSampler, type PilotCpuSource } from "../../src/host/sampler.js";
import type { CpuTimes, DiskSpace, LoadAverage, MemInfo, ProcReaders } from "../../src/host/proc-readers.js";
import { ABSENT_WHEN_MISSING, DAEMON_FILLED, OBSERVATION_VARIABLE_NAMES } from "../../src/host/variables.js";
import { observationOf } from "../../src/daemon/loop/observation.js";
import { RollingWindow } from "../../src/host/rolling-window.js";

// 1.44e12 ms is a multiple of every bucket width (1 s, 5 s, 30 s, 60 s, 720 s, 1440 s),
// so the hand-computed window boundaries below are exact.
const T0 = 1_440_000_000_000;
const GiB = 1024 ** 3;

/** Fake readers whose values the test sets; cpu is given as the busy share of the next interval. */
class FakeHost implements ProcReaders {
  busy = 0;
  total = 0;
  ncpus = 4;
  load: LoadAverage = { load1: 0, load5: 0, load15: 0 };
  mem: MemInfo = {
    memTotalBytes: 16 * GiB,
    memAvailableBytes: 8 * GiB,
    swapTotalBytes: 2 * GiB,
    swapFreeBytes: 1.5 * GiB,
  };
  disks = new Map<string, DiskSpace | Error>();
  cpuFails = false;

  /** Advance the CPU counters by an interval whose busy share is `share`. */
  cpuInterval(share: number, ticks = 1000): void {
    this.busy += share * ticks;
    this.total += ticks;
  }

  cpuTimes = async (): Promise<CpuTimes> => {
    if (this.cpuFails) throw new Error("no /proc/stat");
    return { busyTicks: this.busy, totalTicks: this.total, ncpus: this.ncpus };
  };
  loadAverage = async (): Promise<LoadAverage> => this.load;
  memInfo = async (): Promise<MemInfo> => this.mem;
  diskSpace = async (path: string): Promise<DiskSpace> => {
    const d = this.disks.get(path);
    if (d === undefined) throw new Error(`ENOENT: no such file or directory, statfs '${path}'`);
    if (d instanceof Error) throw d;
    return d;
  };
}

class FakePilotCpu implements PilotCpuSource {
  value = 0;
  fails = false;
  calls: { ids: readonly string[]; nowMs: number }[] = [];
  sample(ids: readonly string[], nowMs: number): number {
    this.calls.push({ ids, nowMs });
    if (this.fails) throw new Error("cgroup gone");
    return this.value;
  }
}

function setup(diskPaths = ["/var/lib/docker"], ownCpu?: { totalMs(): number }) {
  const host = new FakeHost();
  for (const p of diskPaths)
    host.disks.set(p, { freeBytes: 100 * GiB, totalBytes: 200 * GiB, freeRatio: 0.5 });
  const pilotCpu = new FakePilotCpu();
  let now = T0;
  const sampler = new HostSampler({
    readers: host,
    pilotCpu,
    ownCpu,
    diskPaths,
    clock: () => now,
    startedAtMs: T0 - 5000,
  });
  return { host, pilotCpu, sampler, at: (ms: number) => (now = T0 + ms) };
}

const none = { running: [], paused: [] };

function mean(from: number, to: number): number {
  return (from + to) / 2; // mean of the integers from..to
}

describe("HostSampler", () => {
  it("returns every catalogue variable of the host, as finite numbers; the pilot counts and local time are the daemon's", async () => {
    const { sampler, at } = setup();
    const first = await sampler.sample({ running: ["a", "b"], paused: ["c"] });
    assert.equal(first.sample_span_ms, undefined, "the first sample has no span");
    at(5000);
    const o = await sampler.sample({ running: ["a", "b"], paused: ["c"] });
    assert.equal(o.sample_span_ms, 5000);
    // Without desktop sources their variables (and their means) are absent, not 0.
    const desktop = (n: string): boolean =>
      [...ABSENT_WHEN_MISSING].some((a) => n === a || n.startsWith(`${a}_`));
    assert.deepEqual(
      Object.keys(o).sort(),
      [...OBSERVATION_VARIABLE_NAMES].filter((n) => !DAEMON_FILLED.has(n) && !desktop(n)).sort(),
    );
    for (const [k, v] of Object.entries(o))
      assert.ok(typeof v === "number" && Number.isFinite(v), `${k} = ${v}`);
    assert.equal(o.sampled_at_ms, T0 + 5000);
    assert.equal(o.ncpus, 4);
    assert.equal(o.uptime_seconds, 10);
    // The daemon completes it: counts from its pilot cache, local time of the sample.
    const full = observationOf({ atMs: o.sampled_at_ms!, values: o }, { running: ["a", "b"], paused: ["c"] });
    assert.deepEqual(
      Object.keys(full).sort(),
      [...OBSERVATION_VARIABLE_NAMES].filter((n) => !desktop(n)).sort(),
    );
    assert.deepEqual([full.running, full.paused, full.pilots], [2, 1, 3]);
    assert.deepEqual(
      [full.hour, full.minute, full.weekday],
      [new Date(T0 + 5000).getHours(), new Date(T0 + 5000).getMinutes(), new Date(T0 + 5000).getDay()],
    );
    assert.equal(o.ram_bytes, 16 * GiB);
    assert.equal(o.swap_bytes, 2 * GiB);
    assert.equal(o.mem_available_ratio, 0.5);
    assert.equal(o.swap_used_bytes, 0.5 * GiB);
    assert.ok(Object.isFrozen(o));
  });

  it("measures cpu_total between samples (since boot on the first one) and passes all pilots to the meter", async () => {
    const { host, pilotCpu, sampler, at } = setup();
    host.busy = 300;
    host.total = 1000;
    assert.equal((await sampler.sample(none)).cpu_total, 0.3);
    host.cpuInterval(0.8);
    at(2000);
    const o = await sampler.sample({ running: ["r1"], paused: ["p1"] });
    assert.equal(o.cpu_total, 0.8);
    assert.deepEqual(pilotCpu.calls.at(-1), { ids: ["r1", "p1"], nowMs: T0 + 2000 });
  });

  it("cpu_owner = cpu_total - cpu_pilots, clamped at 0", async () => {
    const { host, pilotCpu, sampler, at } = setup();
    await sampler.sample(none);
    host.cpuInterval(0.9);
    pilotCpu.value = 0.25;
    at(2000);
    let o = await sampler.sample(none);
    assert.equal(o.cpu_owner, 0.9 - 0.25);
    host.cpuInterval(0.3); // the two samplers' intervals never align exactly: pilots may exceed total
    pilotCpu.value = 0.5;
    at(4000);
    o = await sampler.sample(none);
    assert.equal(o.cpu_pilots, 0.5);
    assert.equal(o.cpu_owner, 0);
  });

  it("cpu_plancton (the daemon's and the engine's own CPU) is not the owner's", async () => {
    let ownMs = 50_000;
    const { host, pilotCpu, sampler, at } = setup(["/var/lib/docker"], { totalMs: () => ownMs });
    let o = await sampler.sample(none);
    assert.equal(o.cpu_plancton, 0, "no span yet");
    host.cpuInterval(0.6); // 1000 ticks of all CPUs: 10 s of CPU time
    pilotCpu.value = 0.2;
    ownMs += 1500; // a launch: 1.5 s of the engine's CPU, 0.15 of the span
    at(2000);
    o = await sampler.sample(none);
    assert.equal(o.cpu_plancton, 0.15);
    assert.ok(Math.abs(o.cpu_owner! - (0.6 - 0.2 - 0.15)) < 1e-12, `owner ${o.cpu_owner}`);
    host.cpuInterval(0.6);
    at(4000);
    o = await sampler.sample(none); // nothing of Plancton's this span: all but the pilots is the owner's
    assert.equal(o.cpu_plancton, 0);
    assert.ok(Math.abs(o.cpu_owner! - 0.4) < 1e-12);
  });

  it("averages a synthetic 10-minute trace (one value every 2 s) per window, as computed by hand", async () => {
    const { host, sampler, at } = setup();
    let o = await sampler.sample(none);
    // load1 = i at t = 2 i seconds, i = 0..299; the last sample is at t = 598 s.
    for (let i = 0; i < 300; i++) {
      at(i * 2000);
      host.load = { load1: i, load5: 0, load15: 0 };
      host.cpuInterval(i % 2 === 0 ? 0.2 : 0.6);
      o = await sampler.sample(none);
    }
    assert.equal(o.load1, 299);
    // 1m: 1 s buckets, buckets 539..598 -> t = 540..598 s -> i = 270..299
    assert.equal(o.load1_1m, mean(270, 299));
    // 5m: 5 s buckets, buckets 60..119 -> t = 300..598 s -> i = 150..299
    assert.equal(o.load1_5m, mean(150, 299));
    // the longer windows hold the whole trace; the priming sample at t = 0 (load 0) is in them too
    const all = (0 + 300 * mean(0, 299)) / 301;
    for (const w of ["30m", "1h", "12h", "1d"]) assert.ok(Math.abs(o[`load1_${w}`]! - all) < 1e-9, w);
    // cpu alternates 0.2 / 0.6, each share weighed by its span (2 s): the 1m and 5m windows
    // average 0.4; the longer ones also hold i = 0's 0.2 at 1 ms (no span: at the priming
    // sample's instant; that one, since boot, had no cpu_total)
    for (const w of ["1m", "5m"]) assert.ok(Math.abs(o[`cpu_total_${w}`]! - 0.4) < 1e-9, w);
    const cpuAll = (0.2 + 2000 * (150 * 0.6 + 149 * 0.2)) / (1 + 299 * 2000);
    for (const w of ["30m", "1h", "12h", "1d"])
      assert.ok(Math.abs(o[`cpu_total_${w}`]! - cpuAll) < 1e-9, `${w}: ${o[`cpu_total_${w}`]} vs ${cpuAll}`);

    // two minutes without samples, then one: the 1m window holds it alone
    at(718_000);
    host.load = { load1: 1000, load5: 0, load15: 0 };
    o = await sampler.sample(none);
    assert.equal(o.load1_1m, 1000);
    // 5m at 718 s: buckets 84..143 -> t = 420..718 s -> i = 210..299 and the new sample
    assert.ok(Math.abs(o.load1_5m! - (90 * mean(210, 299) + 1000) / 91) < 1e-9);
  });

  it("gives an empty window the instant value", async () => {
    const { host, sampler } = setup();
    host.cpuFails = true; // no cpu reading yet: its windows stay empty
    host.load = { load1: 3, load5: 2, load15: 1 };
    const o = await sampler.sample(none);
    assert.equal(o.cpu_total_1d, o.cpu_total);
    assert.equal(o.load5_30m, 2);
    assert.equal(o.disk_free_ratio_12h, 0.5);
  });

  it("takes the minimum free space over the disk paths", async () => {
    const { host, sampler } = setup(["/var/lib/docker", "/scratch"]);
    host.disks.set("/var/lib/docker", { freeBytes: 10 * GiB, totalBytes: 20 * GiB, freeRatio: 0.5 });
    host.disks.set("/scratch", { freeBytes: 50 * GiB, totalBytes: 500 * GiB, freeRatio: 0.1 });
    const o = await sampler.sample(none);
    assert.equal(o.disk_free_bytes, 10 * GiB);
    assert.equal(o.disk_free_ratio, 0.1);
  });

  it("keeps the last value when a reader fails, reports it in lastErrors, and recovers", async () => {
    const { host, pilotCpu, sampler, at } = setup(["/var/lib/docker", "/scratch"]);
    host.disks.set("/scratch", { freeBytes: 50 * GiB, totalBytes: 500 * GiB, freeRatio: 0.1 });
    pilotCpu.value = 0.1;
    host.busy = 500;
    host.total = 1000;
    const first = await sampler.sample(none);
    assert.equal(sampler.lastErrors.length, 0);

    host.disks.delete("/scratch"); // the path vanished
    host.cpuFails = true;
    pilotCpu.fails = true;
    host.mem = { ...host.mem, memAvailableBytes: 1 * GiB };
    at(2000);
    const o = await sampler.sample(none);
    assert.equal(o.disk_free_ratio, 0.1, "the vanished path keeps its last reading");
    assert.equal(o.cpu_total, first.cpu_total);
    assert.equal(o.cpu_pilots, 0.1);
    assert.equal(o.mem_available_bytes, 1 * GiB, "the other readers still update");
    assert.deepEqual(sampler.lastErrors.map((e) => e.source).sort(), ["cpu", "disk /scratch", "pilot_cpu"]);
    assert.match(sampler.lastErrors.find((e) => e.source === "disk /scratch")!.message, /ENOENT/);
    assert.equal(sampler.lastErrors[0]!.atMs, T0 + 2000);

    host.cpuFails = false;
    pilotCpu.fails = false;
    at(4000);
    await sampler.sample(none);
    assert.deepEqual(
      sampler.lastErrors.map((e) => e.source),
      ["disk /scratch"],
    );

    sampler.setDiskPaths(["/var/lib/docker"]); // config reload drops the path
    at(6000);
    const reloaded = await sampler.sample(none);
    assert.equal(sampler.lastErrors.length, 0);
    assert.equal(reloaded.disk_free_ratio, 0.5);
  });

  it("serialises overlapping calls", async () => {
    const { host, sampler } = setup();
    host.busy = 100;
    host.total = 1000;
    const [a, b] = await Promise.all([sampler.sample(none), sampler.sample(none)]);
    assert.equal(a.cpu_total, 0.1);
    assert.equal(b.cpu_total, 0.1, "the second call sees no new interval and keeps the value");
  });

  it("keeps all windows of all signals under 1 MB; a day costs what a minute costs", () => {
    const { sampler } = setup();
    assert.ok(sampler.windowMemoryBytes() < 1024 * 1024, `${sampler.windowMemoryBytes()} bytes`);
    assert.equal(new RollingWindow(86400).memoryBytes, new RollingWindow(60).memoryBytes);
  });
});
