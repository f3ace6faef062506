// Housekeeping and the image: max_ttl, exited and never-started pilots, no image, pulls.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decide, initialPolicyState, pullRetrySeconds, type ImageStatus } from "../../src/policy/index.js";
import { NO_CONTROL, PolicySim, T0_MS, hostObs, policyConfig } from "../helpers/policy-sim.js";

describe("policy: max_ttl, exited, never started", () => {
  it("kills pilots older than max_ttl (running or paused), not younger ones, and replaces them at once", () => {
    const sim = new PolicySim({
      cfg: { maxTtlSeconds: 3600, maxDocks: 3, suspendGraceSeconds: 7200 },
      pilots: [
        { state: "running", ageSeconds: 3601 },
        { state: "running", ageSeconds: 3600 },
        { state: "paused", ageSeconds: 4000 },
      ],
    });
    const [old, edge, pausedOld] = sim.ids();
    const d = sim.step(hostObs());
    assert.deepEqual(
      d.kill.map((k) => [k.id, k.reason]),
      [
        [old, "ttl"],
        [pausedOld, "ttl"],
      ],
      "youngest first",
    );
    assert.ok(!d.kill.some((k) => k.id === edge), "exactly max_ttl old is not older than max_ttl");
    assert.equal(d.start, 2);
    assert.match(d.explain[0] ?? "", /^kill plancton-worker-id0001: ttl: age 3601 s > max_ttl 3600 s$/);
  });

  it("max_ttl 0 means no limit", () => {
    const sim = new PolicySim({
      cfg: { maxTtlSeconds: 0 },
      pilots: [{ state: "running", ageSeconds: 10 ** 7 }],
    });
    assert.deepEqual(sim.step(hostObs()).kill, []);
  });

  it("removes exited and dead pilots, and created ones that never started within 60 s", () => {
    const sim = new PolicySim({
      cfg: { maxDocks: 8 },
      pilots: [
        { state: "exited", ageSeconds: 100 },
        { state: "dead", ageSeconds: 100 },
        { state: "created", ageSeconds: 61 },
        { state: "created", ageSeconds: 60 },
        { state: "removing", ageSeconds: 100 },
      ],
    });
    const [exited, dead, stale, fresh] = sim.ids();
    const d = sim.step(hostObs());
    assert.deepEqual(
      [...d.remove].sort((a, b) => a.id.localeCompare(b.id)).map((r) => [r.id, r.reason]),
      [
        [exited, "exited"],
        [dead, "exited"],
        [stale, "never_started"],
      ],
    );
    assert.deepEqual(d.kill, []);
    assert.ok(sim.pilots.has(fresh as string));
    // 8 CPUs idle fit 7 pilots; the fresh "created" one holds a slot: 6 more, 4 per loop.
    assert.equal(d.start, 4);
    assert.equal(d.next.lastKillAtMs, undefined, "removals do not start grace_spawn");
  });
});

describe("policy: the image", () => {
  const decideWith = (image: ImageStatus, nowMs = T0_MS, state = initialPolicyState()) =>
    decide({
      obs: hostObs(),
      pilots: [],
      cfg: policyConfig({ imageExpirationSeconds: 3600 }),
      control: NO_CONTROL,
      image,
      state,
      nowMs,
    });

  it("no image: no start, and a pull", () => {
    const d = decideWith({ image: undefined });
    assert.equal(d.start, 0);
    assert.equal(d.pull, true);
    assert.equal(d.mode, "no-image");
    assert.deepEqual(d.explain, ["no start: no image (busybox not present)", "pull busybox: not pulled yet"]);
  });

  it("an image present but never pulled by us is used and pulled (pull at start)", () => {
    const d = decideWith({ image: "busybox" });
    assert.equal(d.start, 4);
    assert.equal(d.pull, true);
  });

  it("a changed docker_image: no start until the new one is present, pull now", () => {
    const d = decideWith({ image: "busybox:1.36", lastPullAtMs: T0_MS - 1000 });
    assert.equal(d.start, 0);
    assert.equal(d.pull, true);
    assert.equal(d.explain[1], "pull busybox: busybox is not present (have busybox:1.36)");
  });

  it("re-pulls every image_expiration, and not in between; not while a pull is in flight", () => {
    assert.equal(decideWith({ image: "busybox", lastPullAtMs: T0_MS - 3599_000 }).pull, false);
    assert.equal(decideWith({ image: "busybox", lastPullAtMs: T0_MS - 3600_000 }).pull, true);
    assert.equal(decideWith({ image: "busybox", lastPullAtMs: T0_MS - 3600_000, pulling: true }).pull, false);
  });

  it("backs off after failed pulls: 10 s doubling, capped at 10 min", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 100].map(pullRetrySeconds),
      [10, 20, 40, 80, 160, 320, 600, 600, 600],
    );
    const sim = new PolicySim({ image: { image: undefined }, pullSucceeds: false });
    const pullTimes: number[] = [];
    sim.run(
      3600,
      1,
      () => hostObs(),
      (d, s) => {
        if (d.pull) pullTimes.push((s.nowMs - T0_MS) / 1000);
        assert.equal(d.start, 0);
      },
    );
    // First at 0; then after 10, 20, 40, 80, 160, 320, 600, 600, ... seconds.
    assert.deepEqual(pullTimes.slice(0, 9), [0, 10, 30, 70, 150, 310, 630, 1230, 1830]);
    assert.equal(sim.image.failures, pullTimes.length);
    // The registry comes back: the next retry succeeds, the count resets, pilots start.
    sim.pullSucceeds = true;
    sim.run(700, 1, () => hostObs());
    assert.equal(sim.image.failures, 0);
    assert.ok(sim.count("running") > 0);
  });

  it("a failed re-pull keeps the local image usable and backs off too", () => {
    const image: ImageStatus = {
      image: "busybox",
      lastPullAtMs: T0_MS - 7200_000,
      lastPullFailedAtMs: T0_MS - 5_000,
    };
    const d = decideWith(image);
    assert.equal(d.start, 4);
    assert.equal(d.pull, false);
    assert.equal(
      d.explain[1],
      "pull busybox: image_expiration 3600 s passed; last pull failed, retry 1 in 5 s",
    );
    assert.equal(decideWith(image, T0_MS + 5_000, d.next).pull, true);
  });
});
