// The owner's memory stall (PSI) gives memory back at once: kill (never pause) the
// youngest, one per fresh sample, no start meanwhile.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PolicySim, hostObs } from "../helpers/policy-sim.js";

const stalled = (sampledAtMs: number, stall = 0.3) =>
  hostObs({ mem_stall_some: stall, mem_psi_some_avg10: 4, sampled_at_ms: sampledAtMs });

describe("policy: memory stall give-back", () => {
  it("kills the youngest at once, even with suspend_grace > 0, and starts nothing", () => {
    const sim = new PolicySim({
      cfg: { maxDocks: 3, memStallPercent: 10, suspendGraceSeconds: 600, pressureGraceSeconds: 30 },
    });
    sim.step(hostObs({ sampled_at_ms: sim.nowMs }));
    assert.equal(sim.count("running"), 3);
    const ids = sim.ids();
    sim.advance(2);
    const d = sim.step(stalled(sim.nowMs));
    assert.deepEqual(
      d.kill.map((k) => [k.id, k.reason]),
      [[ids[2], "mem_pressure"]],
    );
    assert.deepEqual(d.pause, []);
    assert.equal(d.start, 0);
    assert.equal(d.mode, "pressure");
    assert.match(d.explain[0] ?? "", /memory stall 30\.0% of the last sample >= mem_pressure_psi 10%/);
  });

  it("a second decision on the same sample kills no one more; a newer sample kills the next", () => {
    const sim = new PolicySim({
      cfg: { maxDocks: 3, memStallPercent: 10 },
      pilots: [
        { state: "running", ageSeconds: 300 },
        { state: "paused", ageSeconds: 200 },
        { state: "running", ageSeconds: 100 },
      ],
    });
    const ids = sim.ids();
    const sample = stalled(sim.nowMs);
    assert.deepEqual(
      sim.step(sample).kill.map((k) => k.id),
      [ids[2]],
    );
    sim.advance(0.3); // the event tick after the kill, same observation
    const again = sim.step(sample);
    assert.deepEqual(again.kill, []);
    assert.match(again.explain[0] ?? "", /waiting for a sample newer than the last eviction/);
    sim.advance(1.7);
    assert.deepEqual(
      sim.step(stalled(sim.nowMs)).kill.map((k) => k.id),
      [ids[1]],
      "the paused one: its memory is still taken",
    );
  });

  it("the kernel's 10 s average alone triggers it too; below the threshold nothing happens", () => {
    const sim = new PolicySim({
      cfg: { maxDocks: 2, memStallPercent: 10 },
      pilots: [{ state: "running", ageSeconds: 100 }],
    });
    assert.equal(
      sim.step(hostObs({ mem_stall_some: 0.05, mem_psi_some_avg10: 9.9, sampled_at_ms: sim.nowMs })).kill
        .length,
      0,
    );
    sim.advance(2);
    const d = sim.step(hostObs({ mem_stall_some: 0.02, mem_psi_some_avg10: 12, sampled_at_ms: sim.nowMs }));
    assert.equal(d.kill.length, 1);
    assert.match(d.explain[0] ?? "", /memory stall 12\.0% over 10 s/);
  });

  it("off when mem_pressure_psi is absent; no start for pressure_grace after the stall ends", () => {
    const off = new PolicySim({
      cfg: { maxDocks: 2, memStallPercent: undefined },
      pilots: [{ state: "running", ageSeconds: 100 }],
    });
    assert.equal(off.step(stalled(off.nowMs, 0.9)).kill.length, 0);
    const sim = new PolicySim({
      cfg: { maxDocks: 2, memStallPercent: 10, pressureGraceSeconds: 20, graceSpawnSeconds: 0 },
    });
    sim.step(stalled(sim.nowMs));
    sim.advance(10);
    const d = sim.step(hostObs({ sampled_at_ms: sim.nowMs }));
    assert.equal(d.start, 0);
    assert.deepEqual(d.explain, ["no start: pressure ended less than pressure_grace 20 s ago"]);
    sim.advance(12);
    assert.equal(sim.step(hostObs({ sampled_at_ms: sim.nowMs })).start, 2);
  });

  it("min_free_mem evictions follow the same one-per-sample guard", () => {
    const sim = new PolicySim({
      cfg: { maxDocks: 3, minFreeMem: { ratio: 0.1 }, pressureGraceSeconds: 0 },
      pilots: [
        { state: "running", ageSeconds: 300 },
        { state: "running", ageSeconds: 100 },
      ],
    });
    const low = hostObs({ mem_available_ratio: 0.05, sampled_at_ms: sim.nowMs });
    assert.equal(sim.step(low).kill.length, 1);
    sim.advance(1);
    assert.equal(sim.step(low).kill.length, 0);
    sim.advance(1);
    assert.equal(sim.step({ ...low, sampled_at_ms: sim.nowMs }).kill.length, 1);
  });

  it("no stall variable in the observation: a warning, no kill", () => {
    const sim = new PolicySim({
      cfg: { memStallPercent: 10 },
      pilots: [{ state: "running", ageSeconds: 100 }],
    });
    const { mem_stall_some: _s, mem_psi_some_avg10: _a, ...noPsi } = hostObs();
    const d = sim.step(noPsi);
    assert.equal(d.kill.length, 0);
    assert.deepEqual(d.warnings, [
      "observation has no mem_stall_some (a kernel without PSI?): mem_pressure_psi is not checked",
    ]);
  });
});
