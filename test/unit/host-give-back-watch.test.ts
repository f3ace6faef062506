// The readers between samples (host/memory-watch.ts, host/owner-cpu-watch.ts) on fake
// files: the PSI trigger's condition (100 ms stalled within 1 s) and MemAvailable wake a
// sample, once per window; the owner's share of a period is busy - pilots.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryWatch } from "../../src/host/memory-watch.js";
import { OwnerCpuWatch } from "../../src/host/owner-cpu-watch.js";

const files = new Map<string, string>();
const read = (p: string) => files.get(p);
const psi = (totalUs: number) =>
  `some avg10=0.00 avg60=0.00 avg300=0.00 total=${totalUs}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n`;

test("memory: 100 ms stalled within 1 s wakes, once per window; less does not", () => {
  const w = new MemoryWatch({ psiFiles: ["/psi"], meminfo: "/meminfo" }, read);
  files.set("/meminfo", "MemTotal: 1000 kB\nMemAvailable: 900 kB\n");
  const at = (ms: number, us: number) => (files.set("/psi", psi(us)), w.check(ms, undefined));
  assert.equal(at(0, 1_000_000), undefined);
  assert.equal(at(200, 1_050_000), undefined, "50 ms stalled: below the trigger");
  assert.equal(at(400, 1_120_000)?.cause, "stall");
  assert.equal(at(600, 1_300_000), undefined, "held off for the window after a wake");
  assert.equal(at(1500, 1_500_000)?.cause, "stall", "still stalling after the window: again");
  assert.equal(at(3000, 1_500_000), undefined, "no stall any more");
});

test("memory: MemAvailable below min_free_mem wakes; a missing PSI file is no wake", () => {
  const w = new MemoryWatch({ psiFiles: ["/none"], meminfo: "/meminfo" }, read);
  files.set("/meminfo", "MemTotal: 1000 kB\nMemAvailable: 100 kB\n");
  assert.equal(w.check(0, undefined), undefined);
  assert.equal(w.check(100, 50 * 1024)?.cause, undefined);
  assert.equal(w.check(2000, 200 * 1024)?.cause, "low");
});

test("owner CPU: busy minus the pilots' parent; a rise of half a core over the last sample wakes", () => {
  const w = new OwnerCpuWatch(
    { ncpus: 2, stat: "/stat", parentCounter: { path: "/usage", unit: "ns" } },
    read,
  );
  // user nice system idle iowait irq softirq steal, in 10 ms ticks
  const at = (busy: number, idle: number, pilotsNs: number, sampled: number) => {
    files.set("/stat", `cpu  ${busy} 0 0 ${idle} 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\n`);
    files.set("/usage", `${pilotsNs}\n`);
    return w.check(sampled);
  };
  assert.equal(at(1000, 1000, 0, 0), undefined, "no previous reading");
  // 20 ticks (200 ms of CPU over 2 CPUs = 100 ms): 20 busy, all the pilots' -> owner 0
  assert.equal(at(1020, 1000, 200e6, 0), undefined);
  // 20 busy, of which the pilots 100 ms -> the owner 100 ms of 200: 0.5
  assert.equal(at(1040, 1000, 300e6, 0), 0.5);
  assert.equal(at(1060, 1000, 400e6, 0.5), undefined, "no rise over the last sample");
});
