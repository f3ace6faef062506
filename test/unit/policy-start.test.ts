// Starting pilots: fitting, max_docks, docks_per_loop, grace_spawn, drain, drain-stop, force-stop.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decide, initialPolicyState, pilotsThatFit } from "../../src/policy/index.js";
import { NO_CONTROL, PolicySim, T0_MS, hostObs, policyConfig } from "../helpers/policy-sim.js";

describe("policy: an idle host fills to max_docks in ceil(max_docks / docks_per_loop) decisions", () => {
  const cases = [
    { ncpus: 8, maxDocks: 6, docksPerLoop: 4 },
    { ncpus: 8, maxDocks: 6, docksPerLoop: 1 },
    { ncpus: 32, maxDocks: 30, docksPerLoop: 4 },
    { ncpus: 4, maxDocks: 2, docksPerLoop: 4 },
    { ncpus: 64, maxDocks: 24, docksPerLoop: 5, cpusPerDock: 2 },
    { ncpus: 2, maxDocks: 1, docksPerLoop: 4 },
  ];
  for (const c of cases) {
    const expected = Math.ceil(c.maxDocks / c.docksPerLoop);
    it(`ncpus ${c.ncpus}, max_docks ${c.maxDocks}, docks_per_loop ${c.docksPerLoop}: ${expected} decisions`, () => {
      const sim = new PolicySim({
        cfg: { maxDocks: c.maxDocks, docksPerLoop: c.docksPerLoop, cpusPerDock: c.cpusPerDock ?? 1 },
      });
      const counts: number[] = [];
      for (let i = 0; i < expected + 3; i++) {
        sim.step(hostObs({ ncpus: c.ncpus }));
        counts.push(sim.count("running"));
        sim.advance(30);
      }
      assert.equal(
        counts[expected - 2] ?? 0,
        expected === 1 ? 0 : Math.min(c.maxDocks, (expected - 1) * c.docksPerLoop),
      );
      assert.equal(counts[expected - 1], c.maxDocks, `counts ${counts.join(",")}`);
      assert.deepEqual(counts.slice(expected), Array(3).fill(c.maxDocks));
      assert.equal(sim.killCount(), 0);
    });
  }
});

describe("policy: fitting follows the owner's CPU, not the pilots'", () => {
  it("pilotsThatFit is the original floor(idle x 0.95 x ncpus / cpus_per_dock) on owner idle", () => {
    assert.equal(pilotsThatFit(0, 8, 1), 7);
    assert.equal(pilotsThatFit(0, 20, 1), 19);
    assert.equal(pilotsThatFit(0.5, 8, 1), 3);
    assert.equal(pilotsThatFit(0.5, 8, 0.5), 7);
    assert.equal(pilotsThatFit(1, 8, 1), 0);
    assert.equal(pilotsThatFit(1.3, 8, 1), 0);
    assert.equal(pilotsThatFit(-0.1, 2, 1), 1);
  });

  it("owner using half of 8 CPUs: 3 pilots in all, however busy the pilots are, never more", () => {
    const sim = new PolicySim({ cfg: { maxDocks: 8 } });
    for (let i = 0; i < 10; i++) {
      const running = sim.count("running");
      sim.step(hostObs({ cpu_owner: 0.5, cpu_pilots: running / 8, cpu_total: 0.5 + running / 8 }));
      sim.advance(30);
    }
    assert.equal(sim.count("running"), 3);
    assert.equal(sim.starts, 3);
    assert.equal(sim.killCount(), 0);
    const last = sim.decisions.at(-1);
    assert.deepEqual(last?.explain, ["no start: fitting 0: owner uses 4.00 of 8 CPUs, 3 pilots of 1"]);
  });

  it("explains a start with the numbers", () => {
    const d = decide({
      obs: hostObs({ cpu_owner: 0.05, ncpus: 8 }),
      pilots: [],
      cfg: policyConfig({ maxDocks: 4 }),
      control: NO_CONTROL,
      image: { image: "busybox", lastPullAtMs: T0_MS },
      state: initialPolicyState(),
      nowMs: T0_MS,
    });
    assert.equal(d.start, 4);
    assert.equal(d.mode, "active");
    assert.deepEqual(d.explain, [
      "start 4: fitting 7 (owner uses 0.40 of 8 CPUs, 0 pilots of 1), room 4 of max_docks 4, docks_per_loop 4",
    ]);
  });

  it("says max_docks reached when full", () => {
    const sim = new PolicySim({
      cfg: { maxDocks: 2 },
      pilots: [
        { state: "running", ageSeconds: 60 },
        { state: "running", ageSeconds: 30 },
      ],
    });
    const d = sim.step(hostObs());
    assert.equal(d.start, 0);
    assert.deepEqual(d.explain, ["no start: max_docks reached (2/2)"]);
  });

  it("counts created, restarting and paused pilots against max_docks", () => {
    const sim = new PolicySim({
      cfg: { maxDocks: 4, suspendGraceSeconds: 3600 },
      pilots: [
        { state: "created", ageSeconds: 5 },
        { state: "restarting", ageSeconds: 100 },
        { state: "running", ageSeconds: 100 },
      ],
    });
    assert.equal(sim.step(hostObs()).start, 1);
  });
});

describe("policy: grace_spawn", () => {
  it("does not wait at start (no kill in the past)", () => {
    const sim = new PolicySim({ cfg: { graceSpawnSeconds: 600 } });
    const d = sim.step(hostObs());
    assert.equal(d.start, 4);
    assert.equal(d.mode, "active");
  });

  it("waits grace_spawn after an overhead kill, then starts again", () => {
    const sim = new PolicySim({
      cfg: { maxDocks: 2, graceKillSeconds: 0, graceSpawnSeconds: 60 },
      pilots: [
        { state: "running", ageSeconds: 300 },
        { state: "running", ageSeconds: 200 },
      ],
    });
    const young = sim.ids()[1];
    // ncpus 4, 2 running: room 0.5, limit 0.6; the owner takes 0.8.
    const killed = sim.step(hostObs({ ncpus: 4, cpu_owner: 0.8 }));
    assert.deepEqual(
      killed.kill.map((k) => [k.id, k.reason]),
      [[young, "overhead"]],
      "the youngest, one per decision",
    );
    assert.equal(killed.next.lastKillAtMs, T0_MS);
    sim.advance(20);
    const waiting = sim.step(hostObs({ ncpus: 4, cpu_owner: 0 }));
    assert.equal(waiting.start, 0);
    assert.equal(waiting.mode, "grace-spawn");
    assert.deepEqual(waiting.explain, [
      "no start: grace_spawn: 40 s left after the kill at 2024-01-01T12:00:00Z",
    ]);
    sim.advance(40);
    const again = sim.step(hostObs({ ncpus: 4, cpu_owner: 0 }));
    assert.equal(again.start, 1);
    assert.equal(again.mode, "active");
  });

  it("a ttl kill does not start grace_spawn: the pilot is replaced at once", () => {
    const sim = new PolicySim({
      cfg: { maxDocks: 1, maxTtlSeconds: 600 },
      pilots: [{ state: "running", ageSeconds: 601 }],
    });
    const d = sim.step(hostObs({ ncpus: 2 }));
    assert.deepEqual(
      d.kill.map((k) => k.reason),
      ["ttl"],
    );
    assert.equal(d.start, 1);
    assert.equal(d.next.lastKillAtMs, undefined);
  });
});

describe("policy: drain, drain-stop, force-stop", () => {
  it("draining starts nothing and leaves running pilots alone", () => {
    const sim = new PolicySim({
      control: { draining: true },
      pilots: [{ state: "running", ageSeconds: 100 }],
    });
    const d = sim.step(hostObs());
    assert.equal(d.start, 0);
    assert.equal(d.mode, "draining");
    assert.equal(d.exit, false);
    assert.deepEqual(d.kill, []);
    assert.deepEqual(d.explain, ["no start: draining"]);
  });

  it("drain-stop exits once the last pilot is gone, not before", () => {
    const sim = new PolicySim({
      control: { draining: true, drainStop: true },
      pilots: [{ state: "running", ageSeconds: 100 }],
    });
    const first = sim.step(hostObs());
    assert.equal(first.exit, false);
    assert.equal(first.mode, "drain-stop");
    assert.equal(first.start, 0);
    // The pilot exits by itself: removed, then the daemon may exit.
    const [id] = sim.ids();
    const p = sim.pilots.get(id as string);
    if (p) p.state = "exited";
    sim.advance(30);
    const second = sim.step(hostObs());
    assert.deepEqual(
      second.remove.map((r) => r.reason),
      ["exited"],
    );
    assert.equal(second.exit, false, "the exited pilot is still listed");
    sim.advance(1);
    const third = sim.step(hostObs());
    assert.equal(third.exit, true);
    assert.equal(third.start, 0);
    assert.deepEqual(third.explain, ["no start: drain-stop: no pilot left, exit"]);
  });

  it("force-stop kills every pilot (running, paused, created), starts nothing, then exits", () => {
    const sim = new PolicySim({
      control: { forceStop: true },
      cfg: { suspendGraceSeconds: 600 },
      pilots: [
        { state: "running", ageSeconds: 100 },
        { state: "paused", ageSeconds: 50 },
        { state: "created", ageSeconds: 1 },
        { state: "exited", ageSeconds: 300 },
      ],
    });
    const d = sim.step(hostObs());
    assert.equal(d.mode, "force-stop");
    assert.equal(d.start, 0);
    assert.equal(d.pull, false);
    assert.equal(d.exit, false);
    assert.deepEqual(
      d.kill.map((k) => k.reason),
      ["force_stop", "force_stop", "force_stop"],
    );
    assert.deepEqual(
      d.remove.map((k) => k.reason),
      ["exited"],
    );
    const after = sim.step(hostObs());
    assert.equal(after.exit, true);
    assert.deepEqual(after.kill, []);
  });

  it("force-stop explains many kills in one line", () => {
    const sim = new PolicySim({
      control: { forceStop: true },
      pilots: Array.from({ length: 5 }, (_, i) => ({ state: "running" as const, ageSeconds: 100 - i })),
    });
    assert.deepEqual(sim.step(hostObs()).explain, [
      "kill plancton-worker-id0005, plancton-worker-id0004, plancton-worker-id0003 and 2 more: force_stop: force-stop asked",
      "no start: force-stop",
    ]);
  });

  it("force-stop wins over an old pilot's ttl", () => {
    const sim = new PolicySim({
      control: { forceStop: true },
      cfg: { maxTtlSeconds: 10 },
      pilots: [{ state: "running", ageSeconds: 100 }],
    });
    assert.deepEqual(
      sim.step(hostObs()).kill.map((k) => k.reason),
      ["force_stop"],
    );
  });
});

describe("policy: decide is pure", () => {
  it("gives the same decision for the same inputs and does not touch them", () => {
    const pilots = [
      { id: "a", name: "plancton-worker-a", state: "running" as const, createdAtMs: T0_MS - 1000 },
    ];
    const state = initialPolicyState();
    const cfg = policyConfig();
    const before = JSON.stringify([pilots, state, cfg]);
    const a = decide({
      obs: hostObs({ cpu_owner: 0.3 }),
      pilots,
      cfg,
      control: NO_CONTROL,
      image: { image: "busybox", lastPullAtMs: T0_MS },
      state,
      nowMs: T0_MS,
    });
    const b = decide({
      obs: hostObs({ cpu_owner: 0.3 }),
      pilots,
      cfg,
      control: NO_CONTROL,
      image: { image: "busybox", lastPullAtMs: T0_MS },
      state,
      nowMs: T0_MS,
    });
    assert.deepEqual(a, b);
    assert.equal(JSON.stringify([pilots, state, cfg]), before);
    assert.deepEqual(JSON.parse(JSON.stringify(a.next)), a.next, "the state is plain JSON");
  });
});
