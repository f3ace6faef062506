// Memory and disk pressure, kubelet style: threshold met for pressure_grace evicts the
// youngest, one per decision; no start while met nor for pressure_grace after.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { FreeThreshold } from "../../src/policy/index.js";
import { PolicySim, hostObs } from "../helpers/policy-sim.js";

const GiB = 2 ** 30;

describe("policy: pressure eviction", () => {
  const cases: {
    name: string;
    mem?: FreeThreshold;
    disk?: FreeThreshold;
    low: Record<string, number>;
    reason: string;
  }[] = [
    {
      name: "memory below bytes",
      mem: { bytes: 2 * GiB },
      low: { mem_available_bytes: 1 * GiB },
      reason: "mem_pressure",
    },
    {
      name: "memory below ratio",
      mem: { ratio: 0.1 },
      low: { mem_available_ratio: 0.05 },
      reason: "mem_pressure",
    },
    {
      name: "disk below bytes",
      disk: { bytes: 10 * GiB },
      low: { disk_free_bytes: 5 * GiB },
      reason: "disk_pressure",
    },
    {
      name: "disk below ratio (bytes fine)",
      disk: { bytes: 1 * GiB, ratio: 0.1 },
      low: { disk_free_ratio: 0.02 },
      reason: "disk_pressure",
    },
  ];
  for (const c of cases) {
    it(`${c.name}: waits pressure_grace, then evicts the youngest, one per decision, and starts nothing`, () => {
      const sim = new PolicySim({
        cfg: { maxDocks: 4, pressureGraceSeconds: 10, minFreeMem: c.mem, minFreeDisk: c.disk },
      });
      sim.step(hostObs());
      assert.equal(sim.count("running"), 4);
      const ids = sim.ids();
      sim.advance(30);
      const low = hostObs(c.low);
      const first = sim.step(low);
      assert.deepEqual(first.kill, [], "not before pressure_grace");
      assert.equal(first.start, 0);
      assert.equal(first.mode, "pressure");
      assert.match(first.explain[0] ?? "", new RegExp(`^${c.reason}: .* < .*; evict in 10 s$`));
      sim.advance(5);
      assert.deepEqual(sim.step(low).kill, []);
      sim.advance(5);
      const evict = sim.step(low);
      assert.deepEqual(
        evict.kill.map((k) => [k.id, k.reason]),
        [[ids[3], c.reason]],
      );
      assert.equal(evict.start, 0);
      assert.equal(evict.next.lastKillAtMs, sim.nowMs);
      sim.advance(2);
      assert.deepEqual(
        sim.step(low).kill.map((k) => k.id),
        [ids[2]],
      );
      assert.equal(sim.count("running"), 2);
    });
  }

  it("pressure that does not hold for pressure_grace evicts nothing", () => {
    const sim = new PolicySim({
      cfg: { minFreeMem: { bytes: 2 * GiB }, pressureGraceSeconds: 10 },
      pilots: [{ state: "running", ageSeconds: 100 }],
    });
    for (let i = 0; i < 30; i++) {
      sim.step(hostObs({ mem_available_bytes: i % 4 === 3 ? 8 * GiB : 1 * GiB }));
      sim.advance(3);
    }
    assert.equal(sim.killCount(), 0);
  });

  it("no start while under pressure and for pressure_grace after it ends (transition period)", () => {
    const sim = new PolicySim({
      cfg: { minFreeMem: { ratio: 0.1 }, pressureGraceSeconds: 30, graceSpawnSeconds: 0 },
    });
    const tight = hostObs({ mem_available_ratio: 0.05 });
    assert.equal(sim.step(tight).start, 0);
    sim.advance(10);
    const d1 = sim.step(hostObs());
    assert.equal(d1.start, 0);
    assert.equal(d1.mode, "pressure");
    assert.deepEqual(d1.explain, ["no start: pressure ended less than pressure_grace 30 s ago"]);
    sim.advance(20);
    const d2 = sim.step(hostObs());
    assert.equal(d2.start, 4);
    assert.equal(d2.mode, "active");
  });

  it("memory and disk at once: still one eviction per decision, paused pilots count, paused youngest goes first", () => {
    const sim = new PolicySim({
      cfg: {
        minFreeMem: { ratio: 0.1 },
        minFreeDisk: { ratio: 0.1 },
        pressureGraceSeconds: 0,
        suspendGraceSeconds: 600,
      },
      pilots: [
        { state: "running", ageSeconds: 300 },
        { state: "paused", ageSeconds: 100 },
      ],
    });
    const [, paused] = sim.ids();
    const d = sim.step(hostObs({ mem_available_ratio: 0.01, disk_free_ratio: 0.01 }));
    assert.deepEqual(
      d.kill.map((k) => [k.id, k.reason]),
      [[paused, "mem_pressure"]],
    );
  });

  it("a threshold whose variable the observation lacks is reported once and not acted on", () => {
    const sim = new PolicySim({
      cfg: { minFreeDisk: { ratio: 0.1 } },
      pilots: [{ state: "running", ageSeconds: 10 }],
    });
    const obs = { ...hostObs() } as Record<string, number>;
    delete obs.disk_free_ratio;
    const d1 = sim.step(obs);
    const d2 = sim.step(obs);
    assert.deepEqual(d1.warnings, [
      "observation has no disk_free_ratio: its min_free threshold is not checked",
    ]);
    assert.deepEqual(d2.warnings, []);
    assert.equal(sim.killCount(), 0);
  });
});
