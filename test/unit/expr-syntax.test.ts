import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compileExpr, ExprSyntaxError } from "../../src/expr/index.js";

const VARS = ["ncpus", "ram_bytes", "max_dock_mem", "cpu_owner", "cpu_owner_5m", "a", "b", "c"];

function syntaxErrorOf(source: string, allowed: readonly string[] = VARS): ExprSyntaxError {
  try {
    compileExpr(source, allowed);
  } catch (err) {
    if (err instanceof ExprSyntaxError) return err;
    throw err;
  }
  assert.fail(`compileExpr(${JSON.stringify(source)}) did not throw`);
}

/** [source, column, exact message] */
const CASES: ReadonlyArray<readonly [string, number, string]> = [
  // empty
  ["", 1, "empty expression at column 1"],
  ["   ", 1, "empty expression at column 1"],
  // missing pieces
  ["min(a, b", 9, 'expected "," or ")" in call to min at column 9, found end of expression'],
  ["(a + b", 7, 'expected ")" at column 7, found end of expression'],
  ["(a + b c", 8, 'expected ")" at column 8, found "c"'],
  ["1 +", 4, "expected a value at column 4, found end of expression"],
  ["* 2", 1, 'expected a value at column 1, found "*"'],
  ["a * / b", 5, 'expected a value at column 5, found "/"'],
  ["()", 2, 'expected a value at column 2, found ")"'],
  ["min(a,)", 7, 'expected a value at column 7, found ")"'],
  ["min(,a)", 5, 'expected a value at column 5, found ","'],
  ["a b", 3, 'expected an operator or end of expression at column 3, found "b"'],
  ["2 ncpus", 3, 'expected an operator or end of expression at column 3, found "ncpus"'],
  ["(a) (b)", 5, 'expected an operator or end of expression at column 5, found "("'],
  ["a, b", 2, 'expected an operator or end of expression at column 2, found ","'],
  ["(1))", 4, 'unmatched ")" at column 4'],
  ["a and", 6, "expected a value at column 6, found end of expression"],
  ["and a", 1, 'expected a value at column 1, found "and"'],
  ["a or or b", 6, 'expected a value at column 6, found "or"'],
  ["1 + not 0", 5, 'expected a value at column 5, found "not"'],
  ["a < not b", 5, 'expected a value at column 5, found "not"'],
  // comparisons are non-associative
  ["a < b < c", 7, 'comparisons cannot be chained: unexpected "<" at column 7; combine them with "and"'],
  ["a == b == c", 8, 'comparisons cannot be chained: unexpected "==" at column 8; combine them with "and"'],
  ["1 < 2 >= 0", 7, 'comparisons cannot be chained: unexpected ">=" at column 7; combine them with "and"'],
  // characters and typos of operators
  ["a = b", 3, 'unexpected "=" at column 3; did you mean "=="?'],
  ["a & b", 3, 'unexpected "&" at column 3; did you mean "&&"?'],
  ["a | b", 3, 'unexpected "|" at column 3; did you mean "||"?'],
  ["a ^ b", 3, 'unexpected character "^" at column 3'],
  ["a ** b", 4, 'expected a value at column 4, found "*"'],
  ["ncpus - 2;", 10, 'unexpected character ";" at column 10'],
  ['"a"', 1, 'unexpected character "\\"" at column 1'],
  ["a\u0000", 2, 'unexpected character "\\u0000" at column 2'],
  ["\u{1F600} + a", 1, 'unexpected character "\u{1F600}" at column 1'],
  ["a + \u{1F600}", 5, 'unexpected character "\u{1F600}" at column 5'],
  ["a + .", 5, 'unexpected character "." at column 5'],
  // numbers and size suffixes
  ["1e", 1, 'invalid number "1e" at column 1; expected digits after the exponent "e"'],
  ["2 * 1e+", 5, 'invalid number "1e+" at column 5; expected digits after the exponent "e"'],
  ["1e999", 1, 'number "1e999" is too large at column 1'],
  ["1e300 TiB", 1, 'number "1e300 TiB" is too large at column 1'],
  ["1.2.3", 4, 'expected an operator or end of expression at column 4, found ".3"'],
  ["2gib", 2, 'unknown size suffix "gib" at column 2; did you mean "GiB"?'],
  ["2Gb", 2, 'unknown size suffix "Gb" at column 2; did you mean "GB"?'],
  ["15 m", 4, 'expected an operator or end of expression at column 4, found "m"'],
  ["2G", 2, 'unknown size suffix "G" at column 2; size suffixes are B, KB, MB, GB, TB, KiB, MiB, GiB, TiB'],
  [
    "2ncpus",
    2,
    'unknown size suffix "ncpus" at column 2; size suffixes are B, KB, MB, GB, TB, KiB, MiB, GiB, TiB',
  ],
  [
    "a GiB",
    3,
    'expected an operator or end of expression at column 3, found "GiB"; a size suffix must follow a number directly',
  ],
  [
    "1 GiB MiB",
    7,
    'expected an operator or end of expression at column 7, found "MiB"; a size suffix must follow a number directly',
  ],
  ["GiB", 1, 'expected a number before size suffix "GiB" at column 1'],
  // functions
  [
    "sqrt(a)",
    1,
    'unknown function "sqrt" at column 1; functions are min, max, floor, ceil, round, abs, clamp, if',
  ],
  ["flor(a)", 1, 'unknown function "flor" at column 1; did you mean floor?'],
  ["a + ncpus(2)", 5, '"ncpus" is a variable, not a function at column 5'],
  ["min", 4, 'expected "(" after function "min" at column 4, found end of expression'],
  ["abs + 1", 5, 'expected "(" after function "abs" at column 5, found "+"'],
  ["min()", 1, "wrong number of arguments to min(a, b, ...) at column 1: takes at least 1, got 0"],
  ["max()", 1, "wrong number of arguments to max(a, b, ...) at column 1: takes at least 1, got 0"],
  ["floor()", 1, "wrong number of arguments to floor(x) at column 1: takes 1, got 0"],
  ["1 + ceil(1, 2)", 5, "wrong number of arguments to ceil(x) at column 5: takes 1, got 2"],
  ["round(1, 2)", 1, "wrong number of arguments to round(x) at column 1: takes 1, got 2"],
  ["abs(1, 2)", 1, "wrong number of arguments to abs(x) at column 1: takes 1, got 2"],
  ["clamp(a, b)", 1, "wrong number of arguments to clamp(x, lo, hi) at column 1: takes 3, got 2"],
  ["if(a, b)", 1, "wrong number of arguments to if(cond, then, else) at column 1: takes 3, got 2"],
  ["if(a, b, c, 1)", 1, "wrong number of arguments to if(cond, then, else) at column 1: takes 3, got 4"],
  // variables
  ["cpu_ownr > 0.5", 1, 'unknown variable "cpu_ownr" at column 1; did you mean cpu_owner?'],
  ["ncpus - Ncpus", 9, 'unknown variable "Ncpus" at column 9; did you mean ncpus?'],
  ["min(ncpus, ram_byte)", 12, 'unknown variable "ram_byte" at column 12; did you mean ram_bytes?'],
  [
    "xyzzy",
    1,
    'unknown variable "xyzzy" at column 1; known variables: ncpus, ram_bytes, max_dock_mem, cpu_owner, cpu_owner_5m, a, ... (2 more)',
  ],
  ["true and not", 13, "expected a value at column 13, found end of expression"],
];

describe("syntax errors carry their column and a clear message", () => {
  for (const [source, column, message] of CASES) {
    it(`${JSON.stringify(source)} -> column ${column}`, () => {
      const err = syntaxErrorOf(source);
      assert.equal(err.name, "ExprSyntaxError");
      assert.equal(err.message, message);
      assert.equal(err.column, column);
    });
  }
});

describe("unknown variables", () => {
  it("lists every known name when there are few", () => {
    assert.equal(
      syntaxErrorOf("zz", ["ncpus", "load1"]).message,
      'unknown variable "zz" at column 1; known variables: ncpus, load1',
    );
  });

  it("says when no variable is available", () => {
    assert.equal(
      syntaxErrorOf("ncpus", []).message,
      'unknown variable "ncpus" at column 1; no variables are available in this expression',
    );
  });

  it("accepts only the variables allowed for this expression", () => {
    assert.equal(compileExpr("load1", ["load1"]).evaluate({ load1: 2 }), 2);
    assert.throws(() => compileExpr("load1", ["ncpus"]), ExprSyntaxError);
  });

  it("does not let keywords be variables", () => {
    assert.equal(
      syntaxErrorOf("not", ["not"]).message,
      "expected a value at column 4, found end of expression",
    );
    assert.equal(compileExpr("true", ["true"]).evaluate({}), 1);
  });

  it("lets an allowed variable share a function's name", () => {
    assert.equal(compileExpr("min + min(1, 2)", ["min"]).evaluate({ min: 5 }), 6);
  });
});

describe("limits against hostile input", () => {
  it("accepts 1000 characters and refuses 1001", () => {
    const ok = `1${" ".repeat(998)}1`.replace(/ 1$/, "+1");
    assert.equal(ok.length, 1000);
    assert.equal(compileExpr(ok, VARS).evaluate({}), 2);
    const tooLong = `${ok} `;
    const err = syntaxErrorOf(tooLong);
    assert.equal(err.message, "expression too long (1001 characters, at most 1000) at column 1001");
    assert.equal(err.column, 1001);
  });

  it("refuses a very long input without scanning it", () => {
    assert.equal(syntaxErrorOf("(".repeat(1_000_000)).column, 1001);
  });

  const deep: ReadonlyArray<readonly [string, (n: number) => string]> = [
    ["parentheses", (n) => `${"(".repeat(n)}1${")".repeat(n)}`],
    ["function calls", (n) => `${"abs(".repeat(n)}1${")".repeat(n)}`],
    ["unary minus", (n) => `${"-".repeat(n)}1`],
    ["not", (n) => `${"not ".repeat(n)}1`],
    ["!", (n) => `${"!".repeat(n)}1`],
    [
      "mixed",
      (n) => `${"-(".repeat(Math.floor(n / 2))}${n % 2 === 1 ? "!" : ""}1${")".repeat(Math.floor(n / 2))}`,
    ],
  ];
  for (const [what, make] of deep) {
    it(`accepts ${what} nested 64 deep and refuses 65`, () => {
      assert.equal(typeof compileExpr(make(64), VARS).evaluate({}), "number");
      const err = syntaxErrorOf(make(65));
      assert.match(err.message, /^expression nested too deeply \(more than 64 levels\) at column \d+$/);
    });
  }

  it("reports the column of the 65th level", () => {
    const err = syntaxErrorOf(`${"(".repeat(65)}1${")".repeat(65)}`);
    assert.equal(err.column, 65);
  });

  it("is not limited in the length of flat chains", () => {
    const chain = Array.from({ length: 300 }, () => "a").join("+");
    assert.equal(compileExpr(chain, VARS).evaluate({ a: 1 }), 300);
  });

  it("refuses a source that is not a string", () => {
    const err = syntaxErrorOf(42 as unknown as string);
    assert.equal(err.message, "expression must be a string, not number at column 1");
  });
});
