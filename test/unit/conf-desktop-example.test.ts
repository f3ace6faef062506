// conf-examples/desktop.yaml does what its comments say, run through the real policy:
// no start until 15 minutes idle, every pilot paused at the first key press, resumed after
// 5 minutes idle, paused on battery, killed after 10 minutes paused.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseConfigText } from "../../src/config/parse.js";
import { policyConfigOf } from "../../src/daemon/owners/policy-config.js";
import { namesLogindVariable, watchesInput } from "../../src/daemon/owners/input-trigger.js";
import { PolicySim, hostObs } from "../helpers/policy-sim.js";

const file = new URL("../../conf-examples/desktop.yaml", import.meta.url);
const { config } = parseConfigText(readFileSync(file, "utf8"), "desktop.yaml");
const { policy } = policyConfigOf(config, { ncpus: 8, ramBytes: 64 * 2 ** 30, swapBytes: 0 });
const STEP = config.sample_interval;

describe("conf-examples/desktop.yaml", () => {
  it("keeps HTCondor's numbers and watches the keyboard between samples", () => {
    assert.equal(config.resume_after, 240);
    assert.equal(config.suspend_grace, 600);
    assert.equal(watchesInput(config), true);
    assert.equal(namesLogindVariable(config), true, "logind asked every 5 s");
    const server = parseConfigText(
      "docker_image: busybox\nspawn_when: cpu_owner_5m < 0.5\n",
      "s.yaml",
    ).config;
    assert.equal(namesLogindVariable(server), false, "a server's config: logind asked every minute");
  });

  it("runs as its comments say", () => {
    const sim = new PolicySim({ cfg: policy });
    let idle = 120; // someone typed two minutes ago
    let battery = 0;
    const obs = () => hostObs({ input_idle: idle, on_battery: battery, input_sessions: 1 });
    const tick = () => {
      const d = sim.step(obs());
      sim.advance(STEP);
      idle += STEP;
      return d;
    };

    // No start until the keyboard has been idle 15 minutes.
    let firstStartIdle: number | undefined;
    while (firstStartIdle === undefined) {
      const at = idle;
      if (tick().start > 0) firstStartIdle = at;
    }
    assert.equal(firstStartIdle, 15 * 60 + STEP, "the first decision after 15 minutes idle");
    while (tick().start > 0); // fill up
    const running = sim.count("running");
    assert.ok(running > 0);

    // The first key press: every pilot paused in that decision.
    idle = 0;
    const pressed = tick();
    assert.equal(pressed.pause.length, running);
    assert.equal(sim.count("running"), 0);

    // Resumed once the keyboard has been idle 5 minutes, not before.
    let resumedIdle: number | undefined;
    while (resumedIdle === undefined) {
      const at = idle;
      if (tick().unpause.length > 0) resumedIdle = at;
    }
    assert.equal(resumedIdle, 5 * 60);
    assert.equal(sim.count("paused"), 0);

    // Unplugged: paused while on battery, and killed after 10 minutes paused.
    battery = 1;
    assert.equal(tick().pause.length, sim.count("paused"));
    const pausedAt = sim.nowMs;
    while (sim.count() > 0) tick();
    assert.equal(sim.kills.suspend_expired, running);
    assert.ok(sim.nowMs - pausedAt >= 10 * 60_000 && sim.nowMs - pausedAt <= 10 * 60_000 + 2 * STEP * 1000);
    assert.equal(sim.starts, running, "nothing started while on battery");
  });
});
