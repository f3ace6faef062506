import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RollingWindow, WINDOWS, WINDOW_NAMES } from "../../src/host/rolling-window.js";

// Naive reference: the mean of the values whose bucket lies within the last `buckets` buckets.
function naiveMean(
  samples: { t: number; v: number }[],
  span: number,
  buckets: number,
  now: number,
): number | undefined {
  const width = (span * 1000) / buckets;
  const cur = Math.floor(now / width);
  const inside = samples.filter(
    (s) => Math.floor(s.t / width) > cur - buckets && Math.floor(s.t / width) <= cur,
  );
  return inside.length === 0 ? undefined : inside.reduce((a, s) => a + s.v, 0) / inside.length;
}

// Small deterministic PRNG (mulberry32) so the property test is reproducible.
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("RollingWindow", () => {
  it("is undefined when empty and averages a partially filled window", () => {
    const w = new RollingWindow(60);
    assert.equal(w.mean(0), undefined);
    w.add(1, 0);
    w.add(2, 1000);
    w.add(6, 1500);
    assert.equal(w.mean(2000), 3);
  });

  it("drops values older than the span", () => {
    const w = new RollingWindow(60); // 1 s buckets
    w.add(10, 0);
    w.add(20, 30_000);
    assert.equal(w.mean(59_999), 15);
    assert.equal(w.mean(60_000), 20); // bucket 0 left the window
    assert.equal(w.mean(89_999), 20);
    assert.equal(w.mean(90_000), undefined);
  });

  it("expires buckets across gaps longer than the span, even when a slot is reused", () => {
    const w = new RollingWindow(60, 60);
    for (let t = 0; t < 60_000; t += 1000) w.add(100, t);
    // 10 spans later, the slot for this bucket held a value from lap 0: it must be reset, and
    // the other 59 stale slots ignored.
    w.add(1, 600_000);
    assert.equal(w.mean(600_000), 1);
    // exactly one lap later: same slot index, different bucket
    w.add(3, 660_000);
    assert.equal(w.mean(660_000), 3);
  });

  it("matches a naive mean over a random trace with gaps", () => {
    const rand = prng(42);
    for (const [span, buckets] of [
      [60, 60],
      [300, 60],
      [86400, 60],
      [10, 7],
    ] as const) {
      const w = new RollingWindow(span, buckets);
      const samples: { t: number; v: number }[] = [];
      let t = 1_000_000;
      for (let i = 0; i < 3000; i++) {
        // mostly small steps, sometimes a gap of up to 3 spans
        t += rand() < 0.02 ? Math.floor(rand() * span * 3000) : Math.floor(rand() * span * 20);
        const v = Math.round(rand() * 1000) / 10;
        w.add(v, t);
        samples.push({ t, v });
        if (i % 37 === 0) {
          const probe = t + Math.floor(rand() * span * 500);
          const expected = naiveMean(samples, span, buckets, probe);
          const got = w.mean(probe);
          if (expected === undefined) assert.equal(got, undefined);
          else
            assert.ok(
              got !== undefined && Math.abs(got - expected) < 1e-9,
              `span ${span}: ${got} != ${expected}`,
            );
        }
      }
    }
  });

  it("costs the same memory for a day as for a minute", () => {
    const minute = new RollingWindow(WINDOWS["1m"]);
    const day = new RollingWindow(WINDOWS["1d"]);
    assert.equal(day.memoryBytes, minute.memoryBytes);
    assert.ok(minute.memoryBytes <= 60 * 3 * 8);
    for (let i = 0; i < 100_000; i++) day.add(i, i * 1000);
    assert.equal(day.memoryBytes, minute.memoryBytes);
  });

  it("survives a clock going back: a small step joins the newest bucket, a long one starts over", () => {
    const w = new RollingWindow(60);
    w.add(10, 100_000);
    w.add(20, 99_000); // one bucket back: counted in the newest bucket
    assert.equal(w.mean(100_000), 15);
    w.add(40, 10_000); // 90 s back, more than the span: start over
    assert.equal(w.mean(10_000), 40);
  });

  it("ignores non-finite values and rejects bad spans", () => {
    const w = new RollingWindow(60);
    w.add(Number.NaN, 0);
    w.add(Infinity, 0);
    assert.equal(w.mean(0), undefined);
    assert.throws(() => new RollingWindow(0));
    assert.throws(() => new RollingWindow(60, 0));
  });

  it("defines the six windows in increasing order", () => {
    assert.deepEqual(WINDOW_NAMES, ["1m", "5m", "30m", "1h", "12h", "1d"]);
    assert.deepEqual(WINDOWS, { "1m": 60, "5m": 300, "30m": 1800, "1h": 3600, "12h": 43200, "1d": 86400 });
  });
});
