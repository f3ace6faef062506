// The start rule at pilot_cpu_priority idle (harvest.ts) beside the original's, which
// stays as it was at normal priority.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  decide,
  initialPolicyState,
  isOverhead,
  pilotsThatFit,
  type CpuShape,
} from "../../src/policy/index.js";
import { IDLE_CORE_SLACK, pilotsThatFitIdle } from "../../src/policy/harvest.js";
import { NO_CONTROL, PolicySim, T0_MS, hostObs, policyConfig, seededRandom } from "../helpers/policy-sim.js";

const GiB = 2 ** 30;
const IMAGE = { image: "busybox", lastPullAtMs: T0_MS };

describe("policy: harvest at idle priority", () => {
  it("the issue's host: 2 CPUs, owner at 0.04 cores, max_docks 2: normal starts 1, idle starts 2", () => {
    const obs = hostObs({ ncpus: 2, cpu_owner: 0.02 });
    for (const [priority, expected] of [
      ["normal", 1],
      [undefined, 1],
      ["idle", 2],
    ] as const) {
      const sim = new PolicySim({ cfg: { maxDocks: 2, cpuPriority: priority } });
      sim.step(obs);
      sim.advance(30);
      const d = sim.step(obs);
      assert.equal(sim.count("running"), expected, `priority ${priority ?? "absent"}`);
      if (expected === 1)
        assert.deepEqual(d.explain, ["no start: fitting 0: owner uses 0.04 of 2 CPUs, 1 pilot of 1"]);
      else assert.deepEqual(d.explain, ["no start: max_docks reached (2/2)"]);
    }
  });

  it("pilotsThatFitIdle: a core idle but for IDLE_CORE_SLACK counts, more does not; never above overhead_margin", () => {
    assert.equal(IDLE_CORE_SLACK, 0.05);
    assert.equal(pilotsThatFitIdle(0, 2, 1, 10), 2);
    assert.equal(pilotsThatFitIdle(0.05 / 2, 2, 1, 10), 2, "0.05 of one core used: still 2");
    assert.equal(pilotsThatFitIdle(0.12 / 2, 2, 1, 10), 1, "0.12 of a core used: 1");
    assert.equal(pilotsThatFitIdle(0.02, 2, 1, 0), 1, "overhead_margin 0: no slack at all");
    assert.equal(pilotsThatFitIdle(0, 20, 1, 10), 20, "the original keeps 1 of 20 idle");
    assert.equal(pilotsThatFit(0, 20, 1), 19);
    assert.equal(pilotsThatFitIdle(0.5, 8, 0.5, 10), 8);
    assert.equal(pilotsThatFitIdle(1, 8, 1, 10), 0);
    assert.equal(pilotsThatFitIdle(-0.2, 4, 1, 10), 4);
  });

  it("a pilot started at idle priority never meets the overhead rule on the same owner load (seeded loads)", () => {
    const rnd = seededRandom(14);
    for (let i = 0; i < 2000; i++) {
      const ncpus = 1 + Math.floor(rnd() * 64);
      const cpusPerDock = [0.5, 1, 2, 4][Math.floor(rnd() * 4)]!;
      const margin = [0, 2, 5, 10, 20][Math.floor(rnd() * 5)]!;
      const owner = rnd();
      const n = pilotsThatFitIdle(owner, ncpus, cpusPerDock, margin);
      const shape: CpuShape = { ncpus, cpusPerDock, maxDocks: 1000, overheadMarginPercent: margin };
      assert.equal(
        isOverhead(owner, n, shape),
        false,
        `ncpus ${ncpus} cpd ${cpusPerDock} margin ${margin} owner ${owner} -> ${n}`,
      );
    }
  });

  it("idle priority on a steady owner: fills, then no pause, no kill, no flapping", () => {
    const sim = new PolicySim({ cfg: { maxDocks: 8, cpuPriority: "idle", graceKillSeconds: 0 } });
    sim.run(600, 10, () => hostObs({ ncpus: 8, cpu_owner: 0.26 }));
    assert.equal(sim.count("running"), 6, "5.92 idle cores / 0.95 = 6");
    assert.equal(sim.pauses + sim.killCount(), 0);
  });

  it("memory bounds it: max_dock_mem against mem_available_bytes, explained", () => {
    const cfg = policyConfig({ maxDocks: 4, cpuPriority: "idle", maxDockMemBytes: 2 * GiB });
    const d = decide({
      obs: hostObs({ ncpus: 4, mem_available_bytes: 5 * GiB }),
      pilots: [],
      cfg,
      control: NO_CONTROL,
      image: IMAGE,
      state: initialPolicyState(),
      nowMs: T0_MS,
    });
    assert.equal(d.start, 2);
    const none = decide({
      obs: hostObs({ ncpus: 4, mem_available_bytes: 1.5 * GiB }),
      pilots: [],
      cfg,
      control: NO_CONTROL,
      image: IMAGE,
      state: initialPolicyState(),
      nowMs: T0_MS,
    });
    assert.equal(none.start, 0);
    assert.deepEqual(none.explain, [
      "no start: memory: 1.5 GiB available, a pilot may take max_dock_mem 2 GiB (lower max_dock_mem, or free memory)",
    ]);
    const normal = decide({
      obs: hostObs({ ncpus: 4, mem_available_bytes: 1.5 * GiB }),
      pilots: [],
      cfg: { ...cfg, cpuPriority: "normal" },
      control: NO_CONTROL,
      image: IMAGE,
      state: initialPolicyState(),
      nowMs: T0_MS,
    });
    assert.equal(normal.start, 3, "the original's rule does not look at memory");
  });

  it("explains a busy owner in cores and what to change", () => {
    const cfg = policyConfig({ maxDocks: 4, cpuPriority: "idle", cpusPerDock: 2 });
    const sim = new PolicySim({ cfg, pilots: [{ state: "running", ageSeconds: 100 }] });
    const d = sim.step(hostObs({ ncpus: 4, cpu_owner: 0.3 }));
    assert.equal(d.start, 0);
    assert.deepEqual(d.explain, [
      "no start: the owner uses 1.20 of 4 CPUs and 1 pilot run; 2.80 idle cores left, a pilot needs 2 (lower cpus_per_dock to fit one)",
    ]);
  });

  it("max_docks and docks_per_loop still bound it", () => {
    const d = decide({
      obs: hostObs({ ncpus: 32 }),
      pilots: [],
      cfg: policyConfig({ maxDocks: 30, docksPerLoop: 4, cpuPriority: "idle" }),
      control: NO_CONTROL,
      image: IMAGE,
      state: initialPolicyState(),
      nowMs: T0_MS,
    });
    assert.equal(d.start, 4);
    const sim = new PolicySim({ cfg: { maxDocks: 3, cpuPriority: "idle" } });
    sim.run(120, 30, () => hostObs({ ncpus: 8 }));
    assert.equal(sim.count("running"), 3);
  });
});
