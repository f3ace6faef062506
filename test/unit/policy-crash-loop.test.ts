// Crash-loop backoff: pilots that exit at once are relaunched after a growing wait, one
// probe at a time, and the streak ends when a pilot lives.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { crashBackoffSeconds, FAST_EXIT_SECONDS, isFastExit, recordExit } from "../../src/policy/index.js";
import { PolicySim, hostObs } from "../helpers/policy-sim.js";

/** Steps every second; running pilots older than `lifeSeconds()` exit with code 3, as Docker would report them. */
function run(sim: PolicySim, seconds: number, lifeSeconds: () => number): number {
  const before = sim.starts;
  for (let t = 0; t < seconds; t++) {
    for (const p of sim.pilots.values()) {
      if (p.state === "running" && sim.nowMs - p.createdAtMs >= lifeSeconds() * 1000) p.state = "exited";
    }
    const exited = new Map(
      [...sim.pilots.values()].filter((p) => p.state === "exited").map((p) => [p.id, { ...p }]),
    );
    const d = sim.step(hostObs({ ncpus: 4 }));
    // What the daemon does once a removed pilot's exit is known: the next decision sees it.
    for (const r of d.remove) {
      const p = exited.get(r.id)!;
      const uptimeSeconds = Math.round((sim.nowMs - p.createdAtMs) / 1000);
      sim.exited({
        name: p.name,
        reason: "exited",
        exitCode: 3,
        uptimeSeconds,
        endedAtMs: sim.nowMs,
        lastOutput: "boom",
      });
    }
    sim.advance(1);
  }
  return sim.starts - before;
}

describe("policy: crash-loop backoff", () => {
  it("the backoff doubles from 10 s up to 10 min", () => {
    assert.deepEqual([0, 1, 2, 3, 4, 7, 8, 50].map(crashBackoffSeconds), [0, 10, 20, 40, 80, 600, 600, 600]);
  });

  it("only a pilot that failed by itself soon after its start counts", () => {
    assert.equal(isFastExit({ reason: "exited", uptimeSeconds: 0, exitCode: 3 }), true);
    assert.equal(
      isFastExit({ reason: "exited", uptimeSeconds: 1, exitCode: 137, oomKilled: true }),
      true,
      "the OOM killer",
    );
    assert.equal(isFastExit({ reason: "exited", uptimeSeconds: FAST_EXIT_SECONDS, exitCode: 3 }), false);
    assert.equal(isFastExit({ reason: "overhead", uptimeSeconds: 1, exitCode: 137 }), false);
    assert.equal(
      isFastExit({ reason: "exited", uptimeSeconds: 1, exitCode: 0 }),
      false,
      "no work: not a failure",
    );
    assert.equal(
      isFastExit({ reason: "exited", uptimeSeconds: 1, exitCode: 137 }),
      false,
      "docker kill by hand",
    );
    const one = recordExit(undefined, {
      name: "p1",
      reason: "exited",
      exitCode: 3,
      uptimeSeconds: 1,
      endedAtMs: 5,
    });
    assert.equal(one?.fastExits, 1);
    assert.equal(
      recordExit(one, { name: "p2", reason: "ttl", exitCode: null, uptimeSeconds: 1, endedAtMs: 6 }),
      one,
      "a kill says nothing of the command",
    );
    assert.equal(
      recordExit(one, { name: "p3", reason: "exited", exitCode: 0, uptimeSeconds: 600, endedAtMs: 7 }),
      undefined,
      "a pilot that lived ends the streak",
    );
  });

  it("pilots exiting after 1 s: a few launches in 2 minutes, not one a second; status says why", () => {
    const sim = new PolicySim({ cfg: { maxDocks: 2, graceSpawnSeconds: 0 } });
    const starts = run(sim, 120, () => 1);
    // 2 at once, then probes after 20 s and 40 s (without the backoff: about 80).
    assert.ok(starts <= 5, `started ${starts}`);
    const last = sim.decisions.at(-1)!;
    assert.equal(last.mode, "crash-loop");
    assert.match(
      last.explain.join("\n"),
      /no start: pilots exit at once \(code 3, last output: "boom"\): see planctonctl logs plancton-worker-id\d+; next try in \d+ s \(backoff after \d fast exits in a row\)/,
    );
  });

  it("once the command is fixed, a probe that lives ends the streak and the host fills again", () => {
    const sim = new PolicySim({ cfg: { maxDocks: 3, graceSpawnSeconds: 0 } });
    let life = 1;
    run(sim, 30, () => life);
    assert.ok(sim.state.crashLoop !== undefined);
    life = 10_000;
    run(sim, 200, () => life);
    assert.equal(sim.state.crashLoop, undefined);
    assert.equal(sim.count("running"), 3);
    assert.equal(sim.decisions.at(-1)!.mode, "active");
  });
});
