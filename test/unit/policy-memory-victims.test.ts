// The memory give-back's victim set (policy/memory-victims.ts): the fewest pilots whose
// memory covers the deficit, youngest first among sets of that size.
import assert from "node:assert/strict";
import { test } from "node:test";
import { memoryDeficitBytes, memoryVictims } from "../../src/policy/memory-victims.js";
import { decide, initialPolicyState } from "../../src/policy/index.js";
import type { PolicyPilot } from "../../src/policy/policy-types.js";
import { NO_CONTROL, T0_MS, hostObs, policyConfig } from "../helpers/policy-sim.js";

const GiB = 1 << 30;
/** Pilot `id` created at `age` (larger: younger), holding `gib` GiB. */
const p = (id: string, createdAtMs: number, gib?: number) => ({
  id,
  createdAtMs,
  ...(gib === undefined ? {} : { memoryBytes: gib * GiB }),
});
const ids = (v: { id: string }[]) => v.map((x) => x.id);

test("one pilot that covers the deficit beats two younger ones that would also be needed", () => {
  const pilots = [p("old-big", 1, 4), p("mid", 2, 1), p("young", 3, 1)];
  assert.deepEqual(ids(memoryVictims(pilots, 1.5 * GiB)), ["old-big"]);
});

test("among pilots that each cover it alone, the youngest goes", () => {
  const pilots = [p("old", 1, 4), p("young", 3, 2), p("small", 4, 0.5)];
  assert.deepEqual(ids(memoryVictims(pilots, 1.5 * GiB)), ["young"]);
});

test("equal memory: youngest first", () => {
  const pilots = [p("a", 1, 1), p("b", 2, 1), p("c", 3, 1)];
  assert.deepEqual(ids(memoryVictims(pilots, 1.5 * GiB)), ["c", "b"]);
});

test("the fewest, then the youngest set of that size", () => {
  // Two are needed: 3 + 2 (old-3, mid-2) or 3 + 2.5 ... the youngest pair that covers 4.5.
  const pilots = [p("old3", 1, 3), p("mid2", 2, 2), p("y1", 3, 1), p("yy25", 4, 2.5)];
  const v = memoryVictims(pilots, 4.5 * GiB);
  assert.equal(v.length, 2);
  assert.deepEqual(ids(v), ["yy25", "mid2"]);
});

test("all of them cannot cover it: all those holding memory go, youngest first", () => {
  const pilots = [p("a", 1, 1), p("b", 2), p("c", 3, 1)];
  assert.deepEqual(ids(memoryVictims(pilots, 10 * GiB)), ["c", "a"]);
});

test("no usage known: the youngest alone (the rule before usages were read)", () => {
  assert.deepEqual(ids(memoryVictims([p("a", 1), p("b", 2)], GiB)), ["b"]);
});

test("the deficit: min_free_mem's bytes or ratio of the RAM, less what is available", () => {
  const obs = { mem_available_bytes: 1 * GiB, ram_bytes: 16 * GiB };
  assert.equal(memoryDeficitBytes(obs, { bytes: 3 * GiB }), 2 * GiB);
  assert.equal(memoryDeficitBytes(obs, { ratio: 0.25 }), 3 * GiB);
  assert.equal(memoryDeficitBytes(obs, { bytes: 512 << 20 }), 0);
  assert.equal(memoryDeficitBytes({}, { bytes: GiB }), 0);
});

test("a stall with no deficit takes one pilot: the youngest holding memory", () => {
  const pilots = [p("a", 1, 1), p("b", 2, 2), p("c", 3)];
  assert.deepEqual(ids(memoryVictims(pilots, 0)), ["b"]);
  assert.deepEqual(ids(memoryVictims([p("x", 1)], 0)), ["x"]);
});

test("no pilot: nobody", () => {
  assert.deepEqual(memoryVictims([], GiB), []);
});

test("decide(): memory pressure kills the set at once (fewest covering the deficit), never pauses", () => {
  const now = T0_MS;
  const pilot = (id: string, ageS: number, gib: number): PolicyPilot => ({
    id,
    name: id,
    state: "running",
    createdAtMs: now - ageS * 1000,
    memoryBytes: gib * GiB,
  });
  const pilots = [
    pilot("old", 300, 1.5),
    pilot("mid", 200, 1),
    pilot("young", 100, 1),
    pilot("tiny", 50, 0.1),
  ];
  const cfg = policyConfig({ maxDocks: 4, minFreeMem: { bytes: 4 * GiB }, pressureGraceSeconds: 0 });
  const obs = hostObs({ mem_available_bytes: 2 * GiB, sampled_at_ms: now });
  const image = { image: "img", lastPullAtMs: now };
  const d = decide({ obs, pilots, cfg, control: NO_CONTROL, image, state: initialPolicyState(), nowMs: now });
  assert.deepEqual(
    d.kill.map((k) => [k.id, k.reason]),
    [
      ["young", "mem_pressure"],
      ["mid", "mem_pressure"],
    ],
  );
  assert.deepEqual(d.pause, []);
  assert.match(d.kill[0]!.why ?? "", /the fewest covering 2(\.0)? GiB/);
});
