// suspend_when (HTCondor's SUSPEND): pause every running pilot at once while true, resume
// resume_after after it turns false, kill those paused past suspend_grace; an absent variable
// holds it (safe decision, said once); unset, no decision changes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compileExpr } from "../../src/expr/index.js";
import { OBSERVATION_VARIABLE_NAMES } from "../../src/config/observation-names.js";
import type { Observation } from "../../src/policy/index.js";
import { PolicySim, hostObs } from "../helpers/policy-sim.js";

const expr = (source: string) => compileExpr(source, OBSERVATION_VARIABLE_NAMES);
const desk = (inputIdle: number, onBattery = 0): Observation =>
  hostObs({ input_idle: inputIdle, on_battery: onBattery });

describe("policy: suspend_when", () => {
  it("pauses every running pilot at the first true decision, starts none while true", () => {
    const sim = new PolicySim({
      cfg: {
        suspendWhen: expr("input_idle < 1m || on_battery"),
        suspendGraceSeconds: 600,
        resumeAfterSeconds: 300,
      },
      pilots: [
        { state: "running", ageSeconds: 100 },
        { state: "running", ageSeconds: 50 },
      ],
    });
    const d = sim.step(desk(5));
    assert.equal(d.pause.length, 2);
    assert.ok(d.pause.every((p) => p.reason === "suspend_when"));
    assert.equal(d.start, 0);
    assert.match(
      d.explain.join("\n"),
      /pause .*: suspend_when: suspend_when "input_idle < 1m \|\| on_battery" is true/,
    );
    sim.advance(2);
    const d2 = sim.step(desk(70, 1)); // keyboard idle, but on battery: still held
    assert.equal(d2.start, 0);
    assert.equal(d2.unpause.length, 0);
    assert.equal(sim.count("paused"), 2);
  });

  it("resumes resume_after after it turns false, not before; a key press restarts the wait", () => {
    const sim = new PolicySim({
      cfg: { suspendWhen: expr("input_idle < 60"), suspendGraceSeconds: 600, resumeAfterSeconds: 300 },
      pilots: [{ state: "running", ageSeconds: 100 }],
    });
    sim.step(desk(0));
    assert.equal(sim.count("paused"), 1);
    let idle = 0;
    const unpausedAt: number[] = [];
    // Idle 240 s (false from 60 s on), a key, then idle for good.
    sim.run(
      240,
      10,
      () => desk((idle += 10)),
      (d) => assert.equal(d.unpause.length, 0),
    );
    idle = 0;
    sim.run(
      400,
      10,
      () => desk((idle += 10)),
      (d, s) => {
        if (d.unpause.length > 0) unpausedAt.push(idle);
        assert.equal(d.start > 0 && s.count("paused") > 0, false);
      },
    );
    // False from idle 60; resumed resume_after (300 s) later, once.
    assert.deepEqual(unpausedAt, [60 + 300]);
    assert.equal(sim.unpauses, 1);
    assert.equal(sim.count("paused"), 0);
    assert.ok(
      sim.ids("running").includes("id0001"),
      "the paused pilot runs again (others may start beside it)",
    );
  });

  it("kills a pilot paused longer than suspend_grace; with suspend_grace 0 kills at once", () => {
    const sim = new PolicySim({
      cfg: { suspendWhen: expr("input_idle < 60"), suspendGraceSeconds: 600, resumeAfterSeconds: 300 },
      pilots: [{ state: "running", ageSeconds: 100 }],
    });
    sim.run(700, 10, () => desk(0));
    assert.equal(sim.kills.suspend_expired, 1);
    assert.equal(sim.count(), 0);

    const direct = new PolicySim({
      cfg: { suspendWhen: expr("input_idle < 60"), suspendGraceSeconds: 0 },
      pilots: [{ state: "running", ageSeconds: 100 }],
    });
    direct.step(desk(0));
    assert.equal(direct.kills.suspend_when, 1);
  });

  it("an absent variable holds it: pilots paused, nothing starts, said once with the variable named", () => {
    const sim = new PolicySim({
      cfg: { suspendWhen: expr("input_idle < 60"), suspendGraceSeconds: 600 },
      pilots: [{ state: "running", ageSeconds: 100 }],
    });
    const d = sim.step(hostObs()); // no input_idle: its source is missing here
    assert.equal(d.pause.length, 1);
    assert.equal(d.start, 0);
    assert.equal(sim.warnings.length, 1);
    assert.match(
      sim.warnings[0]!,
      /input_idle absent: its source is missing here.*pausing the pilots \(safe decision\)/,
    );
    sim.advance(10);
    sim.step(hostObs());
    assert.equal(sim.warnings.length, 1, "said once");
  });

  it("spawn_when naming an absent variable: nothing starts, and the absence is named", () => {
    const sim = new PolicySim({ cfg: { spawnWhen: expr("input_idle > 15m") } });
    const d = sim.step(hostObs());
    assert.equal(d.start, 0);
    assert.match(sim.warnings.join("\n"), /spawn_when "input_idle > 15m": .*input_idle absent/);
  });

  it("unset: the new variables change no decision (same trace with and without them)", () => {
    const trace = (withDesktop: boolean): string => {
      const sim = new PolicySim({ pilots: [{ state: "running", ageSeconds: 10 }] });
      let t = 0;
      sim.run(600, 5, () => {
        t += 5;
        const base = { cpu_owner: t % 120 < 40 ? 0.95 : 0.05 };
        return hostObs(
          withDesktop ? { ...base, input_idle: t % 7, on_battery: t % 2, input_sessions: 1 } : base,
        );
      });
      return JSON.stringify(sim.decisions.map((d) => [d.start, d.pause, d.unpause, d.kill, d.explain]));
    };
    assert.equal(trace(true), trace(false));
  });
});
