// spawn_when, max_pilots, evict_when, compiled by the real expression language; a runtime
// error yields the safe decision (start nothing, evict nothing) and one warning.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compileExpr } from "../../src/expr/index.js";
import { PolicySim, hostObs } from "../helpers/policy-sim.js";

const VARIABLES = [...Object.keys(hostObs()), "cpu_owner_5m", "cpu_owner_1h", "load5_30m"];
const expr = (source: string) => compileExpr(source, VARIABLES);

describe("policy: spawn_when", () => {
  const cases = [
    { obs: { cpu_owner_5m: 0.2, disk_free_ratio: 0.5 }, start: 4 },
    { obs: { cpu_owner_5m: 0.7, disk_free_ratio: 0.5 }, start: 0 },
    { obs: { cpu_owner_5m: 0.2, disk_free_ratio: 0.05 }, start: 0 },
  ];
  for (const c of cases) {
    it(`"cpu_owner_5m < 0.5 and disk_free_ratio > 0.1" with ${JSON.stringify(c.obs)}: start ${c.start}`, () => {
      const sim = new PolicySim({ cfg: { spawnWhen: expr("cpu_owner_5m < 0.5 and disk_free_ratio > 0.1") } });
      const d = sim.step(hostObs(c.obs));
      assert.equal(d.start, c.start);
      if (c.start === 0)
        assert.deepEqual(d.explain, [
          'no start: spawn_when is false ("cpu_owner_5m < 0.5 and disk_free_ratio > 0.1")',
        ]);
    });
  }

  it("false spawn_when leaves running pilots alone", () => {
    const sim = new PolicySim({
      cfg: { spawnWhen: expr("0") },
      pilots: [{ state: "running", ageSeconds: 10 }],
    });
    const d = sim.step(hostObs());
    assert.deepEqual(d.kill, []);
    assert.equal(d.start, 0);
  });
});

describe("policy: max_pilots", () => {
  const cases = [
    { source: "2", maxDocks: 6, expect: 2, line: "no start: max_pilots reached (2/2)" },
    { source: "ncpus * 2", maxDocks: 6, expect: 6, line: "no start: max_docks reached (6/6)" },
    { source: "if(load1 > 4, 1, 3)", maxDocks: 6, expect: 3, line: "no start: max_pilots reached (3/3)" },
    { source: "-5", maxDocks: 6, expect: 0, line: "no start: max_pilots reached (0/0)" },
    { source: "2.9", maxDocks: 6, expect: 2, line: "no start: max_pilots reached (2/2)" },
  ];
  for (const c of cases) {
    it(`"${c.source}" with max_docks ${c.maxDocks}: ${c.expect} pilots`, () => {
      const sim = new PolicySim({ cfg: { maxDocks: c.maxDocks, maxPilots: expr(c.source) } });
      for (let i = 0; i < 4; i++) {
        sim.step(hostObs());
        sim.advance(30);
      }
      assert.equal(sim.count("running"), c.expect);
      assert.deepEqual(sim.decisions.at(-1)?.explain, [c.line]);
    });
  }

  it("lowering max_pilots does not kill: it only caps starts", () => {
    const sim = new PolicySim({
      cfg: { maxPilots: expr("1") },
      pilots: [
        { state: "running", ageSeconds: 10 },
        { state: "running", ageSeconds: 20 },
      ],
    });
    const d = sim.step(hostObs());
    assert.deepEqual(d.kill, []);
    assert.equal(d.start, 0);
  });
});

describe("policy: evict_when", () => {
  it("evicts the youngest while true, one per decision, and starts nothing", () => {
    const sim = new PolicySim({ cfg: { evictWhen: expr("load1 > 8") } });
    sim.step(hostObs());
    const ids = sim.ids();
    sim.advance(30);
    const busy = hostObs({ load1: 12 });
    const d = sim.step(busy);
    assert.deepEqual(
      d.kill.map((k) => [k.id, k.reason]),
      [[ids[3], "evict_when"]],
    );
    assert.equal(d.start, 0);
    assert.deepEqual(d.explain, [
      `kill plancton-worker-${ids[3]}: evict_when: "load1 > 8" is true (youngest)`,
      'no start: evict_when is true ("load1 > 8"); grace_spawn: 60 s left after the kill at 2024-01-01T12:00:30Z',
    ]);
    sim.advance(30);
    assert.deepEqual(
      sim.step(busy).kill.map((k) => k.id),
      [ids[2]],
    );
    sim.advance(30);
    assert.deepEqual(sim.step(hostObs({ load1: 2 })).kill, []);
    assert.equal(sim.count(), 2);
  });
});

describe("policy: a runtime expression error", () => {
  const cases = [
    {
      key: "spawnWhen",
      source: "cpu_owner / load1 < 0.5",
      message:
        'spawn_when "cpu_owner / load1 < 0.5": division by zero in "cpu_owner / load1" (column 1): starting and evicting nothing by expression',
    },
    {
      key: "maxPilots",
      source: "ncpus % load1",
      message:
        'max_pilots "ncpus % load1": modulo by zero in "ncpus % load1" (column 1): starting and evicting nothing by expression',
    },
    {
      key: "evictWhen",
      source: "1 / load1 > 0",
      message:
        'evict_when "1 / load1 > 0": division by zero in "1 / load1" (column 1): starting and evicting nothing by expression',
    },
  ] as const;
  for (const c of cases) {
    it(`in ${c.key} "${c.source}" with load1 0: the safe decision (no start, no eviction), warned once`, () => {
      // evict_when "1" (always true) beside a failing expression: not acted on either.
      const sim = new PolicySim({
        cfg: { evictWhen: expr("1"), [c.key]: expr(c.source) },
        pilots: [{ state: "running", ageSeconds: 100 }],
      });
      for (let i = 0; i < 5; i++) {
        const d = sim.step(hostObs({ load1: 0 }));
        assert.equal(d.start, 0);
        assert.deepEqual(d.kill, [], "evict_when is not acted on either");
        assert.match(d.explain.at(-1) ?? "", /^no start: .*expression error \(safe decision\)/);
        sim.advance(30);
      }
      assert.deepEqual(sim.warnings, [c.message]);
    });
  }

  it("when the expression works again starts resume; the error is not reported again", () => {
    const sim = new PolicySim({ cfg: { spawnWhen: expr("1 / (load1 - 1) > 0") } });
    sim.step(hostObs({ load1: 1 }));
    sim.step(hostObs({ load1: 1 }));
    sim.step(hostObs({ load1: 2 }));
    sim.step(hostObs({ load1: 1 }));
    assert.equal(sim.starts, 4, "the expression works again: starts resume");
    assert.equal(sim.warnings.length, 1);
  });
});
