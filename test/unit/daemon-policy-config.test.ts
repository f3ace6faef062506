// policyConfigOf: the validated config mapped onto the policy's input, with the expressions
// and the schedule the load compiled (not compiled again), max_docks evaluated on the host.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compiledOf } from "../../src/config/compile.js";
import { parseConfigText } from "../../src/config/parse.js";
import { policyConfigOf } from "../../src/daemon/owners/policy-config.js";

const host = { ncpus: 8, ramBytes: 16 * 2 ** 30, swapBytes: 0 };

const text = [
  'max_docks: "ncpus - 2"',
  "cpus_per_dock: 2",
  'max_ttl: "12h"',
  'grace_kill: "2m"',
  'min_free_mem: "1GiB"',
  'spawn_when: "cpu_owner_5m < 0.5"',
  'max_pilots: "ncpus / 2"',
  'evict_when: "mem_available_ratio < 0.05"',
  'schedule: ["Mon-Fri 19:00-07:00", "Sat-Sun"]',
  "schedule_drain: true",
  "mem_pressure_psi: 20",
].join("\n");

describe("daemon: policyConfigOf", () => {
  it("maps keys to the policy's names and units, max_docks evaluated on the host", () => {
    const { config } = parseConfigText(text, "config.yaml");
    const { policy, warnings } = policyConfigOf(config, host);
    assert.deepEqual(warnings, []);
    assert.equal(policy.maxDocks, 6);
    assert.equal(policy.cpusPerDock, 2);
    assert.equal(policy.maxTtlSeconds, 12 * 3600);
    assert.equal(policy.graceKillSeconds, 120);
    assert.equal(policy.minFreeMem, config.min_free_mem);
    assert.equal(policy.minFreeDisk, undefined);
    assert.equal(policy.memStallPercent, 20);
    assert.equal(policy.scheduleDrain, true);
    assert.equal(policy.image, config.docker_image);
    assert.deepEqual(
      policy.schedule.map((w) => [w.source, w.startMinute, w.endMinute]),
      [
        ["Mon-Fri 19:00-07:00", 1140, 420],
        ["Sat-Sun", 0, 1440],
      ],
    );
    assert.equal(policy.spawnWhen?.evaluate({ cpu_owner_5m: 0.2 }), 1);
    assert.equal(policy.maxPilots?.evaluate({ ncpus: 8 }), 4);
    assert.equal(policy.evictWhen?.evaluate({ mem_available_ratio: 0.5 }), 0);
  });

  it("reuses what the config load compiled: the same expression and schedule objects every time", () => {
    const { config } = parseConfigText(text, "config.yaml");
    const compiled = compiledOf(config);
    const first = policyConfigOf(config, host).policy;
    const again = policyConfigOf(config, host).policy;
    for (const p of [first, again]) {
      assert.equal(p.spawnWhen, compiled.spawnWhen);
      assert.equal(p.maxPilots, compiled.maxPilots);
      assert.equal(p.evictWhen, compiled.evictWhen);
      assert.equal(p.schedule, compiled.schedule);
    }
  });

  it("leaves absent expressions out and an empty schedule empty", () => {
    const { policy } = policyConfigOf(parseConfigText("max_docks: 3\n", "config.yaml").config, host);
    assert.equal(policy.maxDocks, 3);
    assert.equal(policy.spawnWhen, undefined);
    assert.equal(policy.maxPilots, undefined);
    assert.equal(policy.evictWhen, undefined);
    assert.deepEqual(policy.schedule, []);
    assert.equal(policy.minFreeMem, undefined);
  });

  it("warns when max_docks is 0 on this host or does not evaluate, and runs none", () => {
    const zero = policyConfigOf(parseConfigText('max_docks: "ncpus - 8"\n', "config.yaml").config, host);
    assert.equal(zero.policy.maxDocks, 0);
    assert.match(
      zero.warnings.join("\n"),
      /max_docks "ncpus - 8" is 0 with 8 CPUs: no pilot will ever start/,
    );
    const bad = policyConfigOf(
      parseConfigText('max_docks: "ncpus / (ncpus - 8)"\n', "config.yaml").config,
      host,
    );
    assert.equal(bad.policy.maxDocks, 0);
    assert.match(bad.warnings[0] ?? "", /^max_docks "ncpus \/ \(ncpus - 8\)": .*; using 0$/);
  });

  it("compiles a config built without a load (a copy) on its own", () => {
    const { config } = parseConfigText(text, "config.yaml");
    const copy = { ...config, spawn_when: "load1 < 2" };
    const { policy } = policyConfigOf(copy, host);
    assert.equal(policy.spawnWhen?.evaluate({ load1: 1 }), 1);
    assert.notEqual(policy.spawnWhen, compiledOf(config).spawnWhen);
  });
});
