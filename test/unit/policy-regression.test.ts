// The classic fault: with max_docks 1 Plancton counted its own pilot's CPU as the owner's
// load, killed it, started another, and at start waited grace_spawn for nothing.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PolicySim, hostObs, seededRandom } from "../helpers/policy-sim.js";

/** How long a simulated "sleep 60" pilot runs, on the simulation's clock. */
const SLEEP_60_MS = 60_000;

describe("policy regression: max_docks 1, a pilot using its full share", () => {
  const cases = [
    { name: "original margin 10%", margin: 10, jitter: 0 },
    // No margin, and the pilot's measured CPU jitters just above its share: a rule that
    // read the total CPU (pilot included) would fire here; the owner's CPU stays 0.
    { name: "margin 0%, pilot CPU jittering around its share", margin: 0, jitter: 0.02 },
  ];
  for (const c of cases) {
    it(`${c.name}: one simulated hour at 30 s has zero kills and one pilot throughout`, () => {
      const random = seededRandom(7);
      const sim = new PolicySim({
        cfg: { maxDocks: 1, overheadMarginPercent: c.margin, graceKillSeconds: 0, graceSpawnSeconds: 60 },
      });
      const first = sim.step(hostObs({ ncpus: 2 }));
      assert.equal(first.start, 1, "a launch on the very first decision, no grace_spawn wait at start");
      assert.equal(first.mode, "active");
      sim.advance(30);
      sim.run(
        3600,
        30,
        (s) => {
          const pilots = s.count("running") * (0.5 + (random() - 0.3) * c.jitter);
          return hostObs({ ncpus: 2, cpu_pilots: pilots, cpu_total: pilots, cpu_owner: 0, load1: 1 });
        },
        (d, s) => {
          assert.deepEqual(d.kill, [], d.explain.join(" | "));
          assert.deepEqual(d.pause, []);
          assert.equal(s.count(), 1);
          assert.equal(s.count("running"), 1);
        },
      );
      assert.equal(sim.killCount(), 0);
      assert.equal(sim.starts, 1);
      assert.equal(sim.decisions.length, 121);
    });
  }

  it("the same hour with the owner's CPU misread as the total (pilot included) would kill: the test can fail", () => {
    const sim = new PolicySim({
      cfg: { maxDocks: 1, overheadMarginPercent: 0, graceKillSeconds: 0, graceSpawnSeconds: 60 },
    });
    sim.step(hostObs({ ncpus: 2 }));
    sim.advance(30);
    sim.run(3600, 30, (s) => hostObs({ ncpus: 2, cpu_owner: s.count("running") * 0.51 }));
    assert.ok(sim.killCount() > 0);
  });

  it("pilots that exit and are replaced are still never killed", () => {
    const sim = new PolicySim({ cfg: { maxDocks: 1, graceKillSeconds: 0 } });
    for (let t = 0; t < 3600; t += 30) {
      // Each pilot runs "sleep 60"-like: it exits after two loops (of the simulation's clock).
      const sleepEndsAt = (p: { createdAtMs: number }) => p.createdAtMs + SLEEP_60_MS;
      for (const p of sim.pilots.values()) if (sim.nowMs >= sleepEndsAt(p)) p.state = "exited";
      sim.step(hostObs({ ncpus: 2, cpu_pilots: 0.5 * sim.count("running") }));
      assert.ok(sim.count() <= 1);
      sim.advance(30);
    }
    assert.equal(sim.killCount(), 0);
    assert.ok((sim.removes.exited ?? 0) > 10);
  });
});
