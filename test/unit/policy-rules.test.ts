// The rules that moved into policy/ from the daemon shell: SIGTERM or SIGKILL, stale
// "created" pilots, fast exits, and the crash loop fed by the exits a decision sees.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { crashLoopAfterExits, forgetOnLaunchChange } from "../../src/policy/crash-loop.js";
import { historyReason } from "../../src/policy/fast-exits.js";
import { staleCreatedWhy } from "../../src/policy/stale-created.js";
import { signalThatEnded, stopSignal } from "../../src/policy/stop-signal.js";
import type { PilotExit } from "../../src/policy/policy-types.js";
import { PolicySim, hostObs } from "../helpers/policy-sim.js";

const fast = (name: string, endedAtMs: number): PilotExit => ({
  name,
  reason: "exited",
  exitCode: 3,
  uptimeSeconds: 1,
  endedAtMs,
  lastOutput: "boom",
});

describe("policy: SIGTERM or SIGKILL (stop-signal.ts)", () => {
  it("ttl, schedule, evict_when and force_stop get SIGTERM and stop_grace; the give-back never waits", () => {
    for (const r of ["ttl", "schedule", "evict_when", "force_stop"] as const)
      assert.deepEqual(stopSignal(r, 10), { signal: "TERM", graceSeconds: 10 }, r);
    for (const r of ["overhead", "mem_pressure", "disk_pressure", "suspend_expired"] as const)
      assert.deepEqual(stopSignal(r, 10), { signal: "KILL", graceSeconds: 0 }, r);
  });

  it("stop_grace 0: every kill is SIGKILL at once", () => {
    assert.deepEqual(stopSignal("ttl", 0), { signal: "KILL", graceSeconds: 0 });
  });

  it("a graceful stop ended by SIGKILL exits 137 once the grace ran out; earlier: its own exit", () => {
    assert.equal(signalThatEnded(137, 10_000, 10), "KILL");
    assert.equal(signalThatEnded(137, 2_000, 10), "TERM");
    assert.equal(signalThatEnded(0, 10_000, 10), "TERM");
  });

  it("each kill in a decision carries its signal", () => {
    const sim = new PolicySim({ cfg: { maxTtlSeconds: 60, stopGraceSeconds: 5 } });
    sim.add("running", sim.nowMs - 120_000);
    assert.deepEqual(
      sim.step(hostObs()).kill.map((k) => [k.reason, k.signal, k.graceSeconds]),
      [["ttl", "TERM", 5]],
    );
  });
});

describe("policy: stale 'created' pilots (stale-created.ts)", () => {
  it("the first listing of a run, or the first after an outage, makes them stale", () => {
    assert.match(staleCreatedWhy({ firstOfRun: true }) ?? "", /previous run/);
    assert.match(staleCreatedWhy({ afterOutage: true }) ?? "", /Docker went away/);
    assert.equal(staleCreatedWhy({}), undefined);
    assert.equal(staleCreatedWhy(undefined), undefined, "no listing (a sample tick): none");
  });
});

describe("policy: fast exits and the crash loop", () => {
  it("the history records a fast exit as fast_exit, any other end as it is", () => {
    assert.equal(historyReason({ reason: "exited", uptimeSeconds: 1, exitCode: 3 }), "fast_exit");
    assert.equal(historyReason({ reason: "exited", uptimeSeconds: 60, exitCode: 3 }), "exited");
    assert.equal(historyReason({ reason: "overhead", uptimeSeconds: 1, exitCode: 137 }), "overhead");
  });

  it("the exits a decision sees make the streak, and the warning is said at the second", () => {
    const one = crashLoopAfterExits(undefined, [fast("a", 1000)], "L");
    assert.equal(one.state?.fastExits, 1);
    assert.equal(one.warning, undefined);
    const two = crashLoopAfterExits(one.state, [fast("b", 2000)], "L");
    assert.equal(two.state?.fastExits, 2);
    assert.match(two.warning ?? "", /pilots exit at once .* growing backoff/);
    assert.equal(crashLoopAfterExits(two.state, [fast("c", 3000)], "L").warning, undefined);
  });

  it("a new image or command ends the streak; the same one keeps it", () => {
    const state = crashLoopAfterExits(undefined, [fast("a", 1000)], "image-1").state;
    assert.equal(forgetOnLaunchChange(state, "image-1"), state);
    assert.equal(forgetOnLaunchChange(state, "image-2"), undefined);
  });

  it("decide() folds the exits in and writes the streak only to decision.next", () => {
    const sim = new PolicySim({ cfg: { launch: "one" } });
    const d = sim.decideWith({ exits: [fast("a", sim.nowMs), fast("b", sim.nowMs)] });
    assert.equal(d.next.crashLoop?.fastExits, 2);
    assert.equal(d.start, 0, "the backoff holds the next start");
    assert.ok(d.warnings.some((w) => /growing backoff/.test(w)));
    sim.state = d.next;
    sim.cfg = { ...sim.cfg, launch: "two" };
    const after = sim.decideWith({});
    assert.equal(after.next.crashLoop, undefined, "a new command may be the fix");
    assert.ok(after.start > 0);
  });
});
