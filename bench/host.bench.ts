// Benchmark of host observation: CPU time of one HostSampler.sample() with 200 pilots
// (fake cgroup tree of 200 containers in a temp dir, real /proc readers, real statfs),
// of PilotCpuMeter alone (fake trees, and real kernel cgroup files when this host has a
// writable cgroup v1 cpuacct hierarchy), of RollingWindow.add/mean, and the memory of
// all windows. Targets (issue 3): a sample under 5 ms of CPU; windows under 1 MB.
// Run: node --import tsx bench/host.bench.ts
import { mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import {
  detectCgroupLayout,
  PilotCpuMeter,
  type CgroupLayout,
  type DockerCgroupDriver,
} from "../src/host/cgroups.js";
import { procReaders } from "../src/host/proc-readers.js";
import { RollingWindow } from "../src/host/rolling-window.js";
import { HostSampler } from "../src/host/sampler.js";

const PILOTS = 200;
const SAMPLES = 400;

export interface HostBenchRow {
  readonly what: string;
  readonly cpuUsPerOp: number;
  readonly wallUsPerOp: number;
}

function ids(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${i.toString(16).padStart(8, "0")}${"e".repeat(56)}`);
}

/** CPU (user + system, all threads) and wall time per op; async ops are awaited one after another. */
async function measure(what: string, iterations: number, op: (i: number) => unknown): Promise<HostBenchRow> {
  for (let i = 0; i < Math.max(10, iterations / 10); i++) await op(i); // warm-up
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await op(i);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    what,
    cpuUsPerOp: (cpu.user + cpu.system) / iterations,
    wallUsPerOp: (wallMs * 1000) / iterations,
  };
}

function fakeTree(dir: string, version: 1 | 2, containerIds: string[]): CgroupLayout {
  if (version === 1) {
    writeFileSync(join(mkdirp(join(dir, "cpu")), "cpu.shares"), "1024\n");
    writeFileSync(join(mkdirp(join(dir, "cpuacct")), "cpuacct.usage"), "0\n");
    for (const [i, id] of containerIds.entries()) {
      writeFileSync(
        join(mkdirp(join(dir, "cpuacct", "plancton", id)), "cpuacct.usage"),
        `${123456789012 + i * 1000}\n`,
      );
    }
  } else {
    writeFileSync(join(dir, "cgroup.controllers"), "cpu io memory\n");
    for (const [i, id] of containerIds.entries()) {
      writeFileSync(
        join(mkdirp(join(dir, "plancton", id)), "cpu.stat"),
        `usage_usec ${123456789 + i}\nuser_usec 100\nsystem_usec 23\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n`,
      );
    }
  }
  return detectCgroupLayout(dir);
}

function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function meterRow(
  what: string,
  layout: CgroupLayout,
  driver: DockerCgroupDriver,
  containerIds: string[],
): Promise<HostBenchRow> {
  const meter = new PilotCpuMeter({ layout, driver, parent: "/plancton", ncpus: 2 });
  const row = await measure(what, SAMPLES * 5, (i) => meter.sample(containerIds, i * 2000));
  if (meter.lastMissing.length > 0)
    throw new Error(`${what}: ${meter.lastMissing.length} counters not found`);
  return row;
}

/** 200 real (empty) cgroups in this host's v1 cpuacct hierarchy: the kernel's cost of a counter read. */
async function realCgroupRow(containerIds: string[]): Promise<HostBenchRow | string> {
  const layout = detectCgroupLayout();
  if (layout.kind !== "v1" || layout.cpuacctDir === undefined)
    return `skipped: host is ${layout.kind}, not cgroup v1`;
  const parentName = `plancton-bench-${process.pid}`;
  const parentDir = join(layout.cpuacctDir, parentName);
  const made: string[] = [];
  try {
    mkdirSync(parentDir);
    made.push(parentDir);
    for (const id of containerIds) {
      mkdirSync(join(parentDir, id));
      made.push(join(parentDir, id));
    }
    return await meterRowWithParent(
      "PilotCpuMeter.sample, 200 real v1 cgroups",
      layout,
      `/${parentName}`,
      containerIds,
    );
  } catch (err) {
    return `skipped: ${(err as Error).message}`;
  } finally {
    for (const dir of made.reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // a cgroup we made and could not remove is reported, not fatal
        console.error(`could not remove ${dir}`);
      }
    }
  }
}

async function meterRowWithParent(
  what: string,
  layout: CgroupLayout,
  parent: string,
  containerIds: string[],
): Promise<HostBenchRow> {
  const meter = new PilotCpuMeter({ layout, driver: "cgroupfs", parent, ncpus: 2 });
  const row = await measure(what, SAMPLES * 5, (i) => meter.sample(containerIds, i * 2000));
  if (meter.lastMissing.length > 0)
    throw new Error(`${what}: ${meter.lastMissing.length} counters not found`);
  return row;
}

export interface HostBenchResult {
  readonly rows: HostBenchRow[];
  readonly notes: string[];
  readonly windowBytes: number;
  readonly measuredBytesPerSampler: number;
}

export async function benchHost(): Promise<HostBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "plancton-host-bench-"));
  const containerIds = ids(PILOTS);
  const rows: HostBenchRow[] = [];
  const notes: string[] = [];
  try {
    const v1 = fakeTree(mkdirp(join(dir, "v1")), 1, containerIds);
    const v2 = fakeTree(mkdirp(join(dir, "v2")), 2, containerIds);

    // The whole sample: real /proc and statfs, pilots' CPU from the fake v1 tree.
    let now = Date.now();
    const sampler = new HostSampler({
      readers: procReaders(),
      pilotCpu: new PilotCpuMeter({ layout: v1, driver: "cgroupfs", parent: "/plancton", ncpus: 2 }),
      diskPaths: [existsSync("/var/lib/docker") ? "/var/lib/docker" : "/", dir],
      clock: () => (now += 2000),
      startedAtMs: now,
    });
    const pilots = { running: containerIds.slice(0, 180), paused: containerIds.slice(180) };
    rows.push(await measure(`HostSampler.sample, ${PILOTS} pilots`, SAMPLES, () => sampler.sample(pilots)));
    if (sampler.lastErrors.length > 0)
      notes.push(`sampler errors: ${sampler.lastErrors.map((e) => e.source).join(", ")}`);

    rows.push(
      await meterRow(`PilotCpuMeter.sample, ${PILOTS} fake v1 counters`, v1, "cgroupfs", containerIds),
    );
    rows.push(
      await meterRow(`PilotCpuMeter.sample, ${PILOTS} fake v2 cpu.stat`, v2, "cgroupfs", containerIds),
    );
    const real = await realCgroupRow(containerIds);
    if (typeof real === "string") notes.push(`real cgroups: ${real}`);
    else rows.push(real);

    // Rolling windows, synchronous: time many ops per measurement.
    const w = new RollingWindow(86400);
    const ADDS = 1_000_000;
    const add = await measure(`RollingWindow.add x ${ADDS}`, 5, (k) => {
      for (let i = 0; i < ADDS; i++) w.add(i & 1023, k * 1e9 + i * 50);
    });
    rows.push({
      what: "RollingWindow.add",
      cpuUsPerOp: add.cpuUsPerOp / ADDS,
      wallUsPerOp: add.wallUsPerOp / ADDS,
    });
    let sink = 0;
    const MEANS = 100_000;
    const mean = await measure(`RollingWindow.mean x ${MEANS}`, 5, (k) => {
      for (let i = 0; i < MEANS; i++) sink += w.mean(k * 1e9 + i * 50) ?? 0;
    });
    if (Number.isNaN(sink)) throw new Error("unreachable");
    rows.push({
      what: "RollingWindow.mean (60 buckets)",
      cpuUsPerOp: mean.cpuUsPerOp / MEANS,
      wallUsPerOp: mean.wallUsPerOp / MEANS,
    });

    // Memory: the exact bytes of the rings, and what the heap says for many samplers' windows.
    const windowBytes = sampler.windowMemoryBytes();
    const N = 200;
    const keep: HostSampler[] = [];
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const m0 = process.memoryUsage();
    for (let i = 0; i < N; i++) {
      keep.push(
        new HostSampler({
          readers: procReaders(),
          pilotCpu: { sample: () => 0 },
          diskPaths: ["/"],
          clock: () => 0,
          startedAtMs: 0,
        }),
      );
    }
    gc?.();
    const m1 = process.memoryUsage();
    const measuredBytesPerSampler =
      (m1.heapUsed - m0.heapUsed + (m1.arrayBuffers - m0.arrayBuffers)) / keep.length;
    if (!gc) notes.push("measured memory without --expose-gc: approximate");
    return { rows, notes, windowBytes, measuredBytesPerSampler };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`host: node ${process.version}, ${PILOTS} pilots, ${SAMPLES} samples (meter: ${SAMPLES * 5})`);
  const r = await benchHost();
  console.log(`${"CPU us/op".padStart(12)} ${"wall us/op".padStart(12)}  what`);
  for (const row of r.rows) {
    const digits = row.cpuUsPerOp < 1 ? 4 : 1;
    console.log(
      `${row.cpuUsPerOp.toFixed(digits).padStart(12)} ${row.wallUsPerOp.toFixed(digits).padStart(12)}  ${row.what}`,
    );
  }
  console.log(
    `windows of all signals: ${r.windowBytes} bytes of rings (${(r.windowBytes / 1024).toFixed(1)} KiB); ` +
      `measured ${(r.measuredBytesPerSampler / 1024).toFixed(1)} KiB per sampler (heap + array buffers)`,
  );
  for (const n of r.notes) console.log(`note: ${n}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
