// Giving the CPU back: overhead on the owner's CPU, pause before kill, resume, hysteresis.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isOverhead, oneMoreFits, overheadLimit, ownerRoom, type CpuShape } from "../../src/policy/index.js";
import type { Decision } from "../../src/policy/index.js";
import { PolicySim, hostObs, seededRandom } from "../helpers/policy-sim.js";

const shape = (ncpus: number, maxDocks: number, cpusPerDock = 1, overheadMarginPercent = 10): CpuShape => ({
  ncpus,
  maxDocks,
  cpusPerDock,
  overheadMarginPercent,
});

describe("policy: the overhead rule reads the owner's CPU", () => {
  const cases = [
    // ncpus, max_docks, running, owner, overhead?
    { s: shape(2, 1), running: 1, owner: 0, overhead: false },
    { s: shape(2, 1), running: 1, owner: 0.5, overhead: false }, // a one-thread owner job beside one pilot: no contention
    { s: shape(2, 1), running: 1, owner: 0.6, overhead: false }, // exactly at room + margin
    { s: shape(2, 1), running: 1, owner: 0.61, overhead: true },
    { s: shape(4, 2), running: 2, owner: 0.61, overhead: true },
    { s: shape(4, 2), running: 1, owner: 0.61, overhead: false },
    { s: shape(4, 2), running: 0, owner: 1, overhead: false }, // nothing to give back
    { s: shape(4, 2), running: 5, owner: 0.61, overhead: true }, // min(running, max_docks) as the original
    { s: shape(8, 6, 1, 0), running: 6, owner: 0.26, overhead: true },
    { s: shape(8, 6, 1, 0), running: 6, owner: 0.25, overhead: false },
  ];
  for (const c of cases) {
    it(`ncpus ${c.s.ncpus}, max_docks ${c.s.maxDocks}, margin ${c.s.overheadMarginPercent}%, ${c.running} running, owner ${c.owner}: ${c.overhead ? "" : "no "}overhead`, () => {
      assert.equal(isOverhead(c.owner, c.running, c.s), c.overhead, `limit ${overheadLimit(c.running, c.s)}`);
    });
  }

  it("room is the original threshold's complement and the resume mark sits at least the margin below the limit", () => {
    assert.equal(ownerRoom(1, shape(2, 1)), 0.5);
    assert.equal(ownerRoom(3, shape(8, 6)), 0.625);
    for (const ncpus of [2, 4, 8, 16, 64]) {
      for (let running = 0; running < ncpus - 1; running++) {
        const s = shape(ncpus, ncpus);
        // The highest owner CPU at which one more pilot may resume/start...
        let low = 0;
        for (let u = 0; u <= 1; u += 0.001) if (oneMoreFits(u, running, s)) low = u;
        if (!oneMoreFits(0, running, s)) continue;
        // ...is below the overhead limit with that pilot back by at least the margin.
        assert.ok(
          overheadLimit(running + 1, s) - low >= 0.1 - 1e-9,
          `ncpus ${ncpus} running ${running}: low ${low}, limit ${overheadLimit(running + 1, s)}`,
        );
      }
    }
  });
});

describe("policy: suspend before kill", () => {
  // ncpus 4, max_docks 2: with 2 running the owner's room is 0.5 and the limit 0.6.
  const cfg = {
    maxDocks: 2,
    graceKillSeconds: 120,
    suspendGraceSeconds: 600,
    resumeAfterSeconds: 60,
    graceSpawnSeconds: 60,
  };
  const obs = (owner: number) => hostObs({ ncpus: 4, cpu_owner: owner });

  it("owner ramps up: after grace_kill both pilots are paused (the owner's lowest CPU exceeds the limit with one left), killed after suspend_grace", () => {
    const sim = new PolicySim({ cfg });
    sim.step(obs(0));
    assert.equal(sim.count("running"), 2);
    const [older, younger] = sim.ids();
    sim.advance(60);
    // The owner wants the whole machine from now on.
    const t1 = sim.nowMs;
    const timeline: string[] = [];
    sim.run(
      1200,
      30,
      () => obs(0.9),
      (d, s) => {
        const t = (s.nowMs - t1) / 1000;
        for (const p of d.pause) timeline.push(`${t} pause ${p.id}`);
        for (const k of d.kill) timeline.push(`${t} kill ${k.id} ${k.reason}`);
        for (const u of d.unpause) timeline.push(`${t} unpause ${u.id}`);
        assert.equal(d.start, 0);
      },
    );
    assert.deepEqual(timeline, [
      `120 pause ${younger}`,
      // With one running the limit is 0.85: the owner's 0.9 still exceeds it.
      `120 pause ${older}`,
      `720 kill ${younger} suspend_expired`,
      `720 kill ${older} suspend_expired`,
    ]);
    assert.equal(sim.count(), 0);
  });

  it("explains the wait before pausing", () => {
    const sim = new PolicySim({ cfg });
    sim.step(obs(0));
    sim.advance(30);
    sim.step(obs(0.9));
    sim.advance(30);
    const d = sim.step(obs(0.9));
    assert.deepEqual(d.explain, [
      "overhead: owner uses 3.60 > 2.40 of 4 CPUs (left by 2 running: 2.00, + margin 10%); grace_kill 90 s left",
      "no start: max_docks reached (2/2)",
    ]);
  });

  it("owner drops before suspend_grace: the oldest paused resumes first after resume_after, the next when it fits too", () => {
    const sim = new PolicySim({ cfg });
    sim.step(obs(0));
    const [older, younger] = sim.ids();
    sim.advance(30);
    sim.run(180, 30, () => obs(0.9));
    assert.equal(sim.count("paused"), 2);
    const t1 = sim.nowMs;
    const timeline: string[] = [];
    const record = (d: Decision, s: PolicySim) => {
      for (const u of d.unpause) timeline.push(`${(s.nowMs - t1) / 1000} unpause ${u.id}`);
      assert.equal(d.kill.length, 0);
      assert.equal(d.start, 0);
    };
    // 0.6 of 4 CPUs leaves room for one pilot (floor(0.4 x 0.95 x 4) = 1), not two.
    sim.run(300, 30, () => obs(0.6), record);
    // Then the owner goes idle: the second fits after another resume_after.
    sim.run(300, 30, () => obs(0.1), record);
    assert.deepEqual(timeline, [`60 unpause ${older}`, `360 unpause ${younger}`]);
    assert.equal(sim.count("running"), 2);
    assert.equal(sim.killCount(), 0);
  });

  it("idle priority, the machine full of pilots (2 of 1 CPU on 2): a paused pilot resumes beside the daemon's crumbs of owner CPU, as the idle start rule would start it; at normal priority it stays paused, as the original's start rule would not start it", () => {
    const timeline = (cpuPriority: "idle" | "normal") => {
      const sim = new PolicySim({
        cfg: { ...cfg, cpuPriority, graceKillSeconds: 0, resumeAfterSeconds: 2, overheadMarginPercent: 10 },
      });
      const at = (owner: number) => hostObs({ ncpus: 2, cpu_owner: owner });
      sim.step(at(0));
      const events: string[] = [];
      const record = (d: Decision) => {
        for (const p of d.pause) events.push(`pause ${p.id}`);
        for (const u of d.unpause) events.push(`unpause ${u.id}`);
        for (const k of d.kill) events.push(`kill ${k.id}`);
      };
      const [, younger] = sim.ids();
      // A burst of 0.55 of the machine pauses one; then the daemon's own 2 % for a minute.
      record(sim.step(at(0.55)));
      sim.run(60, 2, () => at(0.02), record);
      return { events, younger, running: sim.count("running"), starts: sim.starts };
    };
    const idle = timeline("idle");
    assert.deepEqual(idle.events, [`pause ${idle.younger}`, `unpause ${idle.younger}`]);
    assert.equal(idle.running, 2);
    // The original's rule starts one 1-CPU pilot on 2 CPUs (0.95 of the idle cores): none to strand.
    const normal = timeline("normal");
    assert.deepEqual([normal.starts, normal.running, normal.events], [1, 1, []]);
  });

  it("an owner that stays in between neither pauses more nor resumes (hysteresis band)", () => {
    const sim = new PolicySim({ cfg });
    sim.step(obs(0));
    sim.advance(30);
    sim.run(150, 30, () => obs(0.7)); // above 0.6 with 2 running: one paused
    assert.equal(sim.count("paused"), 1);
    // 0.7 is under the limit with one running (0.85) and above the resume mark (1 - 2/(0.95 x 4) = 0.47).
    sim.run(500, 30, () => obs(0.7));
    assert.equal(sim.count("paused"), 1);
    assert.equal(sim.pauses, 1);
    assert.equal(sim.unpauses, 0);
    assert.match(
      sim.decisions.at(-1)?.explain[0] ?? "",
      /^1 paused: owner uses 2\.80 of 4 CPUs, no room for 2 running$/,
    );
  });

  it("pauses as many as needed at once, youngest first, and no more", () => {
    // ncpus 8, 6 running: limit 0.35; with 5: 0.475; with 4: 0.6. The owner takes 0.5.
    const sim = new PolicySim({
      cfg: { maxDocks: 6, graceKillSeconds: 60, suspendGraceSeconds: 3600 },
      pilots: Array.from({ length: 6 }, (_, i) => ({ state: "running" as const, ageSeconds: 600 - i })),
    });
    const youngestTwo = sim.ids().slice(-2).reverse();
    sim.run(600, 30, () => hostObs({ ncpus: 8, cpu_owner: 0.5 }));
    assert.equal(sim.pauses, 2);
    assert.deepEqual(
      sim.decisions.flatMap((d) => d.pause.map((p) => p.id)),
      youngestTwo,
    );
    assert.equal(sim.decisions.filter((d) => d.pause.length > 0).length, 1, "in one decision");
  });

  it("a spike at the last sample does not take more pilots than the owner's lowest CPU over grace_kill needs", () => {
    const sim = new PolicySim({ cfg: { maxDocks: 2, graceKillSeconds: 60, suspendGraceSeconds: 3600 } });
    sim.step(obs(0));
    sim.advance(2);
    // 0.7 for a minute (one pilot's worth), then 0.95 (both) at the very last sample.
    sim.run(60, 2, () => obs(0.7));
    const d = sim.step(obs(0.95));
    assert.equal(d.pause.length, 1);
    assert.match(
      d.explain[0] ?? "",
      /^pause plancton-worker-id0002: overhead: owner uses 3\.80 > 2\.40 of 4 CPUs \(left by 2 running: 2\.00, \+ margin 10%\), lowest 2\.80 over 60 s$/,
    );
  });

  it("with suspend_grace 0 the youngest running pilots are killed (overhead) instead", () => {
    const sim = new PolicySim({ cfg: { ...cfg, suspendGraceSeconds: 0 } });
    sim.step(obs(0));
    const [older, younger] = sim.ids();
    sim.advance(30);
    sim.run(120, 30, () => obs(0.8));
    const d = sim.step(obs(0.8));
    // 0.8 > 0.6 (two running) but not > 0.85 (one running): one kill, the youngest.
    assert.deepEqual(
      d.kill.map((k) => [k.id, k.reason]),
      [[younger, "overhead"]],
    );
    assert.equal(sim.count("running"), 1);
    assert.equal(sim.ids()[0], older);
    assert.deepEqual(d.pause, []);
    assert.equal(d.next.lastKillAtMs, sim.nowMs);
    assert.equal(d.mode, "grace-spawn");
  });

  it("a pilot paused by someone else is timed from when the policy first saw it", () => {
    const sim = new PolicySim({ cfg, pilots: [{ state: "paused", ageSeconds: 5000 }] });
    sim.run(600, 1, () => obs(0.95));
    assert.equal(sim.killCount(), 0);
    const d = sim.step(obs(0.95));
    assert.deepEqual(
      d.kill.map((k) => k.reason),
      ["suspend_expired"],
    );
  });
});

describe("policy: hysteresis against a noisy owner load", () => {
  // Two hours at 2 s steps: the owner's CPU swings between 0.2 and 0.8 every 30 minutes,
  // with uniform noise of +-0.1 on every sample, so it flickers across the lines for minutes.
  const ncpus = 4;
  const stepSeconds = 2;
  const hours = 2;
  const trace = (() => {
    const random = seededRandom(42);
    const out: number[] = [];
    for (let t = 0; t < hours * 3600; t += stepSeconds) {
      const u = 0.5 + 0.3 * Math.sin((2 * Math.PI * t) / 1800) + (random() - 0.5) * 0.2;
      out.push(Math.min(1, Math.max(0, u)));
    }
    return out;
  })();

  it("a naive threshold (pause above the limit, resume below it) flaps hundreds of times", () => {
    const limit = overheadLimit(2, shape(ncpus, 2));
    let paused = false;
    let transitions = 0;
    for (const u of trace) {
      if (!paused && u > limit) {
        paused = true;
        transitions++;
      } else if (paused && u <= limit) {
        paused = false;
        transitions++;
      }
    }
    assert.ok(transitions > 100, `naive transitions ${transitions}`);
  });

  const simulate = (graceKillSeconds: number, resumeAfterSeconds: number): PolicySim => {
    const sim = new PolicySim({
      cfg: { maxDocks: 2, graceKillSeconds, resumeAfterSeconds, suspendGraceSeconds: 86400 },
    });
    let i = 0;
    sim.run(hours * 3600, stepSeconds, () => hostObs({ ncpus, cpu_owner: trace[i++] ?? 0 }));
    return sim;
  };

  it("the policy (grace_kill 120 s, resume_after 60 s) pauses once per swing and resumes once: <= 3 transitions of each kind per hour", () => {
    const sim = simulate(120, 60);
    // 4 swings in 2 hours: each should pause near its top and resume near its bottom.
    assert.ok(sim.pauses >= 3, `the owner's real peaks are served: ${sim.pauses} pauses`);
    assert.ok(
      sim.pauses <= 3 * hours && sim.unpauses <= 3 * hours,
      `pauses ${sim.pauses}, unpauses ${sim.unpauses}`,
    );
    assert.equal(sim.killCount(), 0);
    assert.equal(sim.starts, 2, "paused pilots are resumed, not replaced");
  });

  it("the gap between the pause and resume lines alone (no hold times) is not enough: it flaps", () => {
    const sim = simulate(0, 0);
    assert.ok(sim.pauses + sim.unpauses > 50, `transitions ${sim.pauses + sim.unpauses}`);
  });
});
