// Each sample's span (sample_span_ms), and the rolling windows as time averages: a give-back's
// extra samples are short, and must not weigh as much as a whole sample_interval.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { HostSampler } from "../../src/host/sampler.js";
import { RollingWindow } from "../../src/host/rolling-window.js";
import type { ProcReaders } from "../../src/host/proc-readers.js";

const GiB = 1024 ** 3;

describe("sample spans and time-weighted windows", () => {
  it("RollingWindow weighs each value by the time it stands for (default 1: a plain mean)", () => {
    const plain = new RollingWindow(60);
    plain.add(0, 10_000);
    plain.add(1, 10_500);
    assert.equal(plain.mean(11_000), 0.5);
    const timed = new RollingWindow(60);
    timed.add(0, 10_000, 2000); // 2 s at 0
    timed.add(1, 10_500, 500); // then 0.5 s at 1
    assert.equal(timed.mean(11_000), 0.2);
    timed.add(5, 11_000, 0); // no time: ignored
    timed.add(5, 11_000, -1);
    assert.equal(timed.mean(11_000), 0.2);
  });

  it("sample_span_ms is the time since the previous sample (absent on the first); cpu_total_1m is a time average", async () => {
    let now = 1_000_000;
    // The CPU counters: busy at 0 % over a 2 s sample, then at 100 % over a 0.5 s one.
    const cpu = [
      { busyTicks: 0, totalTicks: 1000, ncpus: 2 },
      { busyTicks: 0, totalTicks: 1400, ncpus: 2 },
      { busyTicks: 100, totalTicks: 1500, ncpus: 2 },
    ];
    let i = 0;
    const readers: ProcReaders = {
      cpuTimes: async () => cpu[i]!,
      loadAverage: async () => ({ load1: 0, load5: 0, load15: 0 }),
      memInfo: async () => ({
        memTotalBytes: 8 * GiB,
        memAvailableBytes: 4 * GiB,
        swapTotalBytes: 0,
        swapFreeBytes: 0,
      }),
      diskSpace: async () => ({ freeBytes: GiB, totalBytes: 2 * GiB, freeRatio: 0.5 }),
    };
    const sampler = new HostSampler({
      readers,
      pilotCpu: { sample: () => 0 },
      diskPaths: ["/"],
      clock: () => now,
      startedAtMs: now,
    });
    const none = { running: [], paused: [] };
    const first = await sampler.sample(none);
    assert.equal(first.sample_span_ms, undefined);
    now += 2000;
    i = 1;
    const second = await sampler.sample(none);
    assert.equal(second.sample_span_ms, 2000);
    assert.equal(second.cpu_total, 0);
    now += 500;
    i = 2;
    const third = await sampler.sample(none);
    assert.equal(third.sample_span_ms, 500);
    assert.equal(third.cpu_total, 1);
    // The first sample (since boot, 0 %) weighs 1 ms; then 2 s at 0 and 0.5 s at 1.
    assert.ok(Math.abs(third.cpu_total_1m! - 500 / 2501) < 1e-9, String(third.cpu_total_1m));
  });
});
