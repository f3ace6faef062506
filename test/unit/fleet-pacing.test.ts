// The agents' load shedding (src/fleet/pacing.ts), with an injected clock and a seeded
// random source: backoff and jitter bounds, the renewal cadence and its bounds, and what
// a fleet of 10,000 pacers does to etcd when every lease is lost at once or etcd stays
// down for minutes.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  backoffDelay,
  cadence,
  RegistrationPacer,
  RenewalPacer,
  renewEveryMs,
  spreadDelay,
} from "../../src/fleet/pacing.js";
import { seededRandom as seeded } from "../helpers/policy-sim.js";

test("backoff doubles from its base up to its cap, jittered within [1/2, 1] of it", () => {
  const b = { baseMs: 1000, capMs: 10_000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5, 9].map((k) => backoffDelay(k, b, () => 1)),
    [1000, 2000, 4000, 8000, 10_000, 10_000],
  );
  assert.deepEqual(
    [1, 2, 5].map((k) => backoffDelay(k, b, () => 0)),
    [500, 1000, 5000],
  );
  assert.equal(
    spreadDelay(15_000, () => 0.5),
    7500,
  );
  assert.equal(
    spreadDelay(-1, () => 0.5),
    0,
  );
});

test("renewal cadence: ttl/3 by default, renew_every bounded to [1 s, ttl/2]", () => {
  assert.equal(renewEveryMs(15, null), 5000);
  assert.equal(renewEveryMs(60, 30), 30_000);
  assert.equal(renewEveryMs(60, 45), 30_000);
  assert.equal(renewEveryMs(2, 0.1), 1000);
  const c = cadence(15);
  assert.equal(c.startWindowMs, 5000);
  assert.equal(c.relostWindowMs, 15_000);
  assert.equal(c.commandWindowMs, 5000);
  assert.equal(cadence(2).commandWindowMs, 2000);
  assert.equal(cadence(60, 30).commandWindowMs, 10_000);
  assert.deepEqual(c.register, { baseMs: 5000, capMs: 30_000 });
  assert.deepEqual(cadence(3).register, { baseMs: 3000, capMs: 10_000 });
  assert.deepEqual(cadence(600).register, { baseMs: 5000, capMs: 120_000 });
});

test("a failed renewal is tried three times before the lease can expire, even with the worst jitter", () => {
  for (const [ttl, every] of [
    [15, null],
    [60, 30],
    [2, null],
    [40, 10],
  ] as const) {
    const c = cadence(ttl, every);
    const p = new RenewalPacer(c, () => 1);
    const sinceRenewed = p.succeeded(); // the renewal that fails comes this long after the last good one
    let at = sinceRenewed;
    for (let k = 0; k < 3; k++) at += p.failed();
    assert.ok(
      at < c.ttlMs,
      `ttl ${ttl}, renew ${every}: third retry at ${at} ms, lease expires at ${c.ttlMs} ms`,
    );
    assert.equal(p.consecutiveFailures, 3);
    assert.ok(p.failed() <= c.renewMs, "never slower than the steady cadence");
    const again = p.succeeded();
    assert.ok(again >= 0.9 * c.renewMs && again <= 1.1 * c.renewMs);
    assert.equal(p.consecutiveFailures as number, 0);
  }
});

test("registration: at a random moment of the start window, later after each failure, reset by a success", () => {
  let now = 1_000_000;
  const rnd = seeded(1);
  const p = new RegistrationPacer(cadence(15), () => now, rnd);
  assert.ok(p.nextAttemptAtMs >= now && p.nextAttemptAtMs < now + 5000);
  now = p.nextAttemptAtMs - 1;
  assert.equal(p.due(), false);
  now += 1;
  assert.equal(p.due(), true);
  const gaps: number[] = [];
  for (let k = 0; k < 8; k++) {
    p.failed();
    gaps.push(p.nextAttemptAtMs - now);
    now = p.nextAttemptAtMs;
  }
  for (const [k, g] of gaps.entries())
    assert.ok(
      g >= Math.min(30_000, 5000 * 2 ** k) / 2 && g <= Math.min(30_000, 5000 * 2 ** k),
      `gap ${k}: ${g}`,
    );
  p.succeeded();
  p.failed();
  assert.ok(p.nextAttemptAtMs - now <= 5000, "a success resets the backoff");
  p.leaseLost();
  assert.ok(
    p.nextAttemptAtMs >= now && p.nextAttemptAtMs < now + 15_000,
    "a lost lease: somewhere in the ttl window",
  );
});

/** Attempts per whole second, over [fromMs, toMs). */
function perSecond(times: number[], fromMs: number, toMs: number): number[] {
  const buckets = new Array<number>(Math.ceil((toMs - fromMs) / 1000)).fill(0);
  for (const t of times) if (t >= fromMs && t < toMs) buckets[Math.floor((t - fromMs) / 1000)]!++;
  return buckets;
}

test("10,000 hosts that lose their lease at once come back at about N/ttl per second, not all at once", () => {
  const N = 10_000;
  const ttl = 15;
  const now = 0;
  const rnd = seeded(42);
  const pacers = Array.from({ length: N }, () => new RegistrationPacer(cadence(ttl), () => now, rnd));
  for (const p of pacers) p.leaseLost();
  const times = pacers.map((p) => p.nextAttemptAtMs);
  const rates = perSecond(times, 0, ttl * 1000);
  assert.equal(
    rates.reduce((a, b) => a + b, 0),
    N,
    "every host within the ttl window",
  );
  assert.ok(
    Math.max(...rates) <= 1.25 * (N / ttl),
    `peak ${Math.max(...rates)}/s for a mean of ${(N / ttl).toFixed(0)}/s`,
  );
});

test("10,000 hosts under an etcd down for 10 minutes: attempts thin out to about N per backoff cap, no storm", () => {
  const N = 10_000;
  const c = cadence(15);
  let now = 0;
  const rnd = seeded(7);
  const pacers = Array.from({ length: N }, () => new RegistrationPacer(c, () => now, rnd));
  const attempts: number[] = [];
  // Event-driven: every pacer fails at each of its attempts until 600 s.
  const heap = pacers.map((p, i) => ({ at: p.nextAttemptAtMs, i })).sort((a, b) => a.at - b.at);
  const queue = [...heap];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (next.at >= 600_000) continue;
    now = next.at;
    attempts.push(now);
    pacers[next.i]!.failed();
    const at = pacers[next.i]!.nextAttemptAtMs;
    let lo = 0,
      hi = queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (queue[mid]!.at < at) lo = mid + 1;
      else hi = mid;
    }
    queue.splice(lo, 0, { at, i: next.i });
  }
  // The start window spreads the first attempts over 5 s (2,000/s); the first retries overlap them.
  const first = perSecond(attempts, 0, 20_000);
  assert.ok(Math.max(...first) <= 2 * (N / 5), `start: peak ${Math.max(...first)}/s`);
  const late = perSecond(attempts, 120_000, 600_000);
  const mean = late.reduce((a, b) => a + b, 0) / late.length;
  // At the cap (30 s, jittered to [15, 30] s) each host tries about every 22.5 s.
  assert.ok(mean <= (N / 15_000) * 1000 && mean >= (N / 30_000) * 1000, `late mean ${mean.toFixed(0)}/s`);
  assert.ok(
    Math.max(...late) <= 2 * mean,
    `late peak ${Math.max(...late)}/s for a mean of ${mean.toFixed(0)}/s`,
  );
});
