import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compileExpr, ExprEvalError, truthy } from "../../src/expr/index.js";

const VARS = [
  "ncpus",
  "ram_bytes",
  "max_dock_mem",
  "cpu_owner_5m",
  "disk_free_ratio",
  "mem_available_bytes",
  "load1",
  "a",
  "b",
  "c",
  "zero",
];
const VALUES = {
  ncpus: 8,
  ram_bytes: 16e9,
  max_dock_mem: 2e9,
  cpu_owner_5m: 0.3,
  disk_free_ratio: 0.5,
  mem_available_bytes: 2 * 2 ** 30,
  load1: 3,
  a: 2,
  b: 3,
  c: 4,
  zero: 0,
};

function run(source: string, values: Readonly<Record<string, number>> = VALUES): number {
  return compileExpr(source, VARS).evaluate(values);
}

function table(name: string, cases: ReadonlyArray<readonly [string, number]>): void {
  describe(name, () => {
    for (const [source, expected] of cases) {
      it(`${source} = ${expected}`, () => assert.equal(run(source), expected));
    }
  });
}

table("numbers, size suffixes and booleans", [
  ["12", 12],
  ["0.5", 0.5],
  [".5", 0.5],
  ["1.", 1],
  ["1e9", 1e9],
  ["1E3", 1000],
  ["2.5e-3", 0.0025],
  ["1e+2", 100],
  ["007", 7],
  ["3B", 3],
  ["1KB", 1e3],
  ["1MB", 1e6],
  ["1GB", 1e9],
  ["1TB", 1e12],
  ["1KiB", 1024],
  ["1MiB", 1048576],
  ["1GiB", 1073741824],
  ["1TiB", 1099511627776],
  ["1.5 GiB", 1.5 * 2 ** 30],
  ["2 MB", 2e6],
  ["1e3KiB", 1024000],
  ["1 GiB + 1", 2 ** 30 + 1],
  ["2 * 1GiB", 2 ** 31],
  ["true", 1],
  ["false", 0],
  ["true + true", 2],
]);

table("precedence and associativity", [
  ["1 + 2 * 3", 7],
  ["(1 + 2) * 3", 9],
  ["10 - 4 - 3", 3],
  ["10 - (4 - 3)", 9],
  ["100 / 10 / 5", 2],
  ["2 * 3 % 4", 2],
  ["2 * (3 % 4)", 6],
  ["7 % 4 * 2", 6],
  ["-2 * 3", -6],
  ["2 * -3", -6],
  ["- -2", 2],
  ["--2", 2],
  ["-(2 + 3)", -5],
  ["+2", 2],
  ["1 + 2 < 4", 1],
  ["2 * 3 > 5", 1],
  ["1 - 2 - 3 * 4 / 2 % 5", -2],
  ["(1 < 2) == 1", 1],
  ["((((((1))))))", 1],
]);

table("logical precedence", [
  ["1 or 0 and 0", 1], // and binds tighter: 1 or (0 and 0)
  ["(1 or 0) and 0", 0],
  ["0 and 0 or 1", 1],
  ["not 0 and 0", 0], // (not 0) and 0
  ["not (0 and 0)", 1],
  ["not 1 < 2", 0], // not (1 < 2)
  ["!1 < 2", 0],
  ["not not 5", 1],
  ["not 0 or 0", 1],
  ["1 < 2 and 3 > 2", 1],
  ["1 + 1 == 2 and 2 * 2 == 4", 1],
  ["0 or 0 or 3", 1],
  ["2 and 3", 1],
  ["0 || 2 && 0", 0],
]);

table("every operator", [
  ["a + b", 5],
  ["a - b", -1],
  ["a * b", 6],
  ["b / a", 1.5],
  ["c % b", 1],
  ["-7 % 3", 2], // floored, like Python
  ["7 % -3", -2],
  ["-7 % -3", -1],
  ["5.5 % 2", 1.5],
  ["a < b", 1],
  ["b < a", 0],
  ["a < a", 0],
  ["a <= a", 1],
  ["b <= a", 0],
  ["b > a", 1],
  ["a > a", 0],
  ["a >= a", 1],
  ["a >= b", 0],
  ["a == 2", 1],
  ["a == b", 0],
  ["a != b", 1],
  ["a != 2", 0],
  ["a and b", 1],
  ["a and zero", 0],
  ["zero and a", 0],
  ["a && b", 1],
  ["a or zero", 1],
  ["zero or zero", 0],
  ["zero || b", 1],
  ["not a", 0],
  ["not zero", 1],
  ["!a", 0],
  ["!zero", 1],
  ["-a", -2],
  ["+a", 2],
  ["-zero", 0], // -0 is reported as 0
]);

table("every function", [
  ["min(3)", 3],
  ["min(3, 1, 2)", 1],
  ["min(a, b)", 2],
  ["max(3)", 3],
  ["max(3, 1, 2)", 3],
  ["max(a, b, c)", 4],
  ["floor(2.7)", 2],
  ["floor(-2.2)", -3],
  ["ceil(2.2)", 3],
  ["ceil(-2.7)", -2],
  ["round(2.5)", 3],
  ["round(-2.5)", -3],
  ["round(2.4)", 2],
  ["round(b / a)", 2],
  ["abs(-3)", 3],
  ["abs(a - b)", 1],
  ["clamp(5, 1, 3)", 3],
  ["clamp(-5, 1, 3)", 1],
  ["clamp(2, 1, 3)", 2],
  ["clamp(c, a, b)", 3],
  ["if(1, 2, 3)", 2],
  ["if(0, 2, 3)", 3],
  ["if(a > b, a, b)", 3],
  ["if(a < b, a, b)", 2],
  ["min(max(1, 2), 3) + floor(ceil(0.5))", 3],
]);

table("configuration examples", [
  ["ncpus - 2", 6],
  ["min(ncpus, ram_bytes / max_dock_mem)", 8],
  ["cpu_owner_5m < 0.5 and disk_free_ratio > 0.1", 1],
  ["mem_available_bytes < 1GiB or load1 > ncpus * 2", 0],
  ["mem_available_bytes < 3GiB or load1 > ncpus * 2", 1],
  ["max(0, ncpus - 1)", 7],
]);

table("duration suffixes, in seconds, glued to a number", [
  ["15m", 900],
  ["30s + 1h + 1d", 30 + 3600 + 86400],
  ["1.5m", 90],
  ["a * 1m", 120],
]);

describe("short-circuit and laziness", () => {
  const cases: Array<readonly [string, number]> = [
    ["false and 1/0", 0],
    ["0 and 1/0", 0],
    ["zero and a / zero", 0],
    ["true or 1/0", 1],
    ["a or a % zero", 1],
    ["if(1, 2, 1/0)", 2],
    ["if(0, 1/0, 3)", 3],
    ["if(a, b, a / zero)", 3],
    ["if(zero, a / zero, b)", 3],
  ];
  for (const [source, expected] of cases) {
    it(`${source} = ${expected} without error`, () => assert.equal(run(source), expected));
  }

  it("does not read a variable on the skipped side", () => {
    const compiled = compileExpr("zero and ncpus > 1", VARS);
    assert.equal(compiled.evaluate({ zero: 0 }), 0);
    assert.throws(() => compiled.evaluate({ zero: 1 }), ExprEvalError);
  });
});

describe("runtime errors", () => {
  const cases: Array<readonly [string, RegExp]> = [
    ["1/0", /^division by zero in "1\/0" \(column 1\)$/],
    ["a / zero", /^division by zero in "a \/ zero" \(column 1\)$/],
    ["1 + a / (b - 3)", /^division by zero in "a \/ \(b - 3\)" \(column 5\)$/],
    ["a / -zero", /division by zero/],
    ["a % zero", /^modulo by zero in "a % zero" \(column 1\)$/],
    ["5 % 0", /modulo by zero/],
    ["1e308 * 10", /^non-finite result \(Infinity\) of "1e308 \* 10" \(column 1\)$/],
    ["-1e308 - 1e308", /non-finite result \(-Infinity\) of "-1e308 - 1e308"/],
    ["1e308 + 1e308 * a", /non-finite result \(Infinity\) of "1e308 \* a"/],
    ["1e308 / 1e-308", /non-finite result/],
    ["ram_bytes * 1e300", /non-finite result \(Infinity\) of "ram_bytes \* 1e300"/],
    ["clamp(1, b, a)", /^clamp bounds are reversed \(lo 3 > hi 2\) in "clamp\(1, b, a\)" \(column 1\)$/],
    ["true and 1/0", /division by zero/],
    ["if(1, 1/0, 2)", /division by zero/],
  ];
  for (const [source, message] of cases) {
    it(`${source} throws ExprEvalError ${message}`, () => {
      assert.throws(
        () => run(source),
        (err: unknown) => err instanceof ExprEvalError && message.test(err.message),
      );
    });
  }

  it("throws when a used variable has no value", () => {
    const compiled = compileExpr("ncpus - 2", VARS);
    assert.throws(() => compiled.evaluate({}), {
      name: "ExprEvalError",
      message: 'no value for variable "ncpus"',
    });
    assert.throws(() => compiled.evaluate({ ram_bytes: 1 }), ExprEvalError);
  });

  it("throws when a variable is not a finite number", () => {
    const compiled = compileExpr("ncpus < 2", VARS);
    for (const bad of [NaN, Infinity, -Infinity]) {
      assert.throws(() => compiled.evaluate({ ncpus: bad }), {
        name: "ExprEvalError",
        message: `variable "ncpus" is not a finite number (${bad})`,
      });
    }
    const fromJs = { ncpus: "8" } as unknown as Record<string, number>;
    assert.throws(() => compiled.evaluate(fromJs), {
      name: "ExprEvalError",
      message: 'variable "ncpus" is not a finite number (string)',
    });
  });

  it("ignores extra values", () => {
    assert.equal(compileExpr("1 + 1", VARS).evaluate({ ncpus: NaN, other: 3 }), 2);
  });

  it("shortens a long sub-expression in the message", () => {
    const source = `a / (${"a + ".repeat(31)}zero - 62)`;
    assert.throws(
      () => run(source),
      (err: unknown) =>
        err instanceof ExprEvalError && /\.\.\." \(column 1\)$/.test(err.message) && err.message.length < 140,
    );
  });
});

describe("CompiledExpr", () => {
  it("keeps the source and lists distinct variables in order of first use", () => {
    const compiled = compileExpr("min(ncpus, ram_bytes / max_dock_mem) + ncpus * 0", VARS);
    assert.equal(compiled.source, "min(ncpus, ram_bytes / max_dock_mem) + ncpus * 0");
    assert.deepEqual(compiled.variables, ["ncpus", "ram_bytes", "max_dock_mem"]);
    assert.deepEqual(compileExpr("1 + 2", VARS).variables, []);
  });

  it("lists variables even on a side that a constant skips", () => {
    assert.deepEqual(compileExpr("false and load1 > 1", VARS).variables, ["load1"]);
  });

  it("evaluates many times with different values", () => {
    const compiled = compileExpr("ncpus - 2", VARS);
    assert.equal(compiled.evaluate({ ncpus: 4 }), 2);
    assert.equal(compiled.evaluate({ ncpus: 64 }), 62);
  });

  it("works with evaluate detached from the object", () => {
    const { evaluate } = compileExpr("a * b", VARS);
    assert.equal(evaluate({ a: 6, b: 7 }), 42);
  });

  it("is frozen", () => {
    const compiled = compileExpr("a", VARS);
    assert.ok(Object.isFrozen(compiled));
    assert.ok(Object.isFrozen(compiled.variables));
  });

  it("returns 0, not -0", () => {
    assert.ok(Object.is(run("-zero"), 0));
    assert.ok(Object.is(run("0 * -1"), 0));
    assert.ok(Object.is(run("a * -zero"), 0));
  });
});

describe("truthy", () => {
  const cases: Array<readonly [number, boolean]> = [
    [1, true],
    [-1, true],
    [0.0001, true],
    [Infinity, true],
    [0, false],
    [-0, false],
    [NaN, false],
  ];
  for (const [value, expected] of cases) {
    it(`truthy(${value}) is ${expected}`, () => assert.equal(truthy(value), expected));
  }
});
