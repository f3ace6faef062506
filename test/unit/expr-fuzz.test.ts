// Property-style tests with a seeded PRNG, so a failure is reproducible from its case number.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compileExpr, ExprEvalError, ExprSyntaxError } from "../../src/expr/index.js";

const VARS = ["a", "b", "c", "ncpus", "load1"];

/** mulberry32: small, fast, good enough for test inputs. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** Compiles and, when that works, evaluates; fails the test on any error that is not ours. */
function checkNeverThrowsForeign(source: string, values: Record<string, number>): void {
  let compiled;
  try {
    compiled = compileExpr(source, VARS);
  } catch (err) {
    assert.ok(err instanceof ExprSyntaxError, `compileExpr(${JSON.stringify(source)}) threw ${String(err)}`);
    assert.ok(
      Number.isInteger(err.column) && err.column >= 1 && err.column <= Math.max(source.length, 1) + 1,
      `column ${err.column} out of range for ${JSON.stringify(source)}`,
    );
    assert.ok(err.message.includes(` at column ${err.column}`), `message without its column: ${err.message}`);
    return;
  }
  try {
    const value = compiled.evaluate(values);
    assert.ok(Number.isFinite(value), `${JSON.stringify(source)} evaluated to ${value}`);
  } catch (err) {
    assert.ok(err instanceof ExprEvalError, `evaluate(${JSON.stringify(source)}) threw ${String(err)}`);
  }
}

describe("random input never throws anything but our errors", () => {
  it("2000 random ASCII strings of length 0..40", () => {
    const random = prng(0x5eed);
    for (let n = 0; n < 2000; n++) {
      const length = Math.floor(random() * 41);
      let source = "";
      for (let i = 0; i < length; i++) source += String.fromCharCode(Math.floor(random() * 128));
      checkNeverThrowsForeign(source, { a: 1, b: 0, c: -2, ncpus: 8, load1: 0.5 });
    }
  });

  it("2000 strings of random tokens, mostly alternating values and operators", () => {
    const random = prng(42);
    const values = [
      "a",
      "b",
      "c",
      "ncpus",
      "load1",
      "x",
      "0",
      "1",
      "2.5",
      ".5",
      "1e3",
      "1e308",
      "3 GiB",
      "2KB",
      "true",
      "false",
    ];
    const prefixes = [
      "(",
      "-",
      "+",
      "!",
      "not ",
      "min(",
      "max(",
      "floor(",
      "ceil(",
      "round(",
      "abs(",
      "clamp(",
      "if(",
    ];
    const operators = [
      "+",
      "-",
      "*",
      "/",
      "%",
      "<",
      "<=",
      ">",
      ">=",
      "==",
      "!=",
      "&&",
      "||",
      " and ",
      " or ",
      ",",
      ")",
    ];
    const noise = ["=", "GiB", "(", ")", ",", "", "  ", "e", ".", "min", "!"];
    let compiled = 0;
    for (let n = 0; n < 2000; n++) {
      const count = Math.floor(random() * 12);
      let source = "";
      let wantValue = true;
      let open = 0;
      for (let i = 0; i < count; i++) {
        let piece: string;
        if (random() < 0.08) piece = pick(random, noise);
        else if (wantValue && random() < 0.3) piece = pick(random, prefixes);
        else piece = pick(random, wantValue ? values : operators);
        if (piece.endsWith("(")) open++;
        if (piece === ")") open--;
        if (!wantValue || values.includes(piece)) wantValue = !wantValue;
        if (piece === ")") wantValue = false;
        source += piece + (random() < 0.3 ? " " : "");
      }
      if (random() < 0.7) source += ")".repeat(Math.max(0, open));
      checkNeverThrowsForeign(source, { a: 1, b: 0, c: -2, ncpus: 8, load1: 0.5 });
      try {
        compileExpr(source, VARS);
        compiled++;
      } catch {
        // checked above
      }
    }
    // Make sure the generator reaches the evaluator, not only the parser's errors.
    assert.ok(compiled > 200, `only ${compiled} of 2000 compiled`);
  });
});

// ---- compiled expressions agree with a direct reference interpretation ----

type Ast =
  | { kind: "num"; value: number }
  | { kind: "var"; name: "a" | "b" | "c" }
  | { kind: "unary"; op: "-" | "not"; operand: Ast }
  | { kind: "bin"; op: string; left: Ast; right: Ast }
  | { kind: "call"; name: string; args: Ast[] };

const BINARY = ["+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "and", "or"];
const CALLS: Readonly<Record<string, number>> = {
  min: 2,
  max: 3,
  floor: 1,
  ceil: 1,
  round: 1,
  abs: 1,
  clamp: 3,
  if: 3,
};

function generate(random: () => number, depth: number): Ast {
  const roll = random();
  if (depth === 0 || roll < 0.25) {
    return random() < 0.5
      ? { kind: "num", value: pick(random, [0, 1, 2, 3, 0.5, 2.5, 10]) }
      : { kind: "var", name: pick(random, ["a", "b", "c"] as const) };
  }
  if (roll < 0.35)
    return { kind: "unary", op: pick(random, ["-", "not"] as const), operand: generate(random, depth - 1) };
  if (roll < 0.8)
    return {
      kind: "bin",
      op: pick(random, BINARY),
      left: generate(random, depth - 1),
      right: generate(random, depth - 1),
    };
  const name = pick(random, Object.keys(CALLS));
  return {
    kind: "call",
    name,
    args: Array.from({ length: CALLS[name] as number }, () => generate(random, depth - 1)),
  };
}

/** Fully parenthesized, so the parser's precedence is not what is being tested here. */
function print(ast: Ast): string {
  switch (ast.kind) {
    case "num":
      return String(ast.value);
    case "var":
      return ast.name;
    case "unary":
      return ast.op === "-" ? `(-${print(ast.operand)})` : `(not ${print(ast.operand)})`;
    case "bin":
      return `(${print(ast.left)} ${ast.op} ${print(ast.right)})`;
    case "call":
      return `${ast.name}(${ast.args.map(print).join(", ")})`;
  }
}

class ReferenceError_ extends Error {}

function reference(ast: Ast, vars: Record<string, number>): number {
  const r = (node: Ast) => reference(node, vars);
  const finite = (x: number) => {
    if (!Number.isFinite(x)) throw new ReferenceError_("non-finite");
    return x;
  };
  switch (ast.kind) {
    case "num":
      return ast.value;
    case "var":
      return vars[ast.name] as number;
    case "unary":
      return ast.op === "-" ? -r(ast.operand) : r(ast.operand) === 0 ? 1 : 0;
    case "bin": {
      if (ast.op === "and") return r(ast.left) !== 0 && r(ast.right) !== 0 ? 1 : 0;
      if (ast.op === "or") return r(ast.left) !== 0 || r(ast.right) !== 0 ? 1 : 0;
      const x = r(ast.left);
      const y = r(ast.right);
      switch (ast.op) {
        case "+":
          return finite(x + y);
        case "-":
          return finite(x - y);
        case "*":
          return finite(x * y);
        case "/":
          if (y === 0) throw new ReferenceError_("division by zero");
          return finite(x / y);
        case "%": {
          // Floored modulo, defined from the remainder (fmod) as documented.
          if (y === 0) throw new ReferenceError_("modulo by zero");
          const rem = x % y;
          return rem !== 0 && Math.sign(rem) !== Math.sign(y) ? rem + y : rem;
        }
        case "<":
          return x < y ? 1 : 0;
        case "<=":
          return x <= y ? 1 : 0;
        case ">":
          return x > y ? 1 : 0;
        case ">=":
          return x >= y ? 1 : 0;
        case "==":
          return x === y ? 1 : 0;
        case "!=":
          return x !== y ? 1 : 0;
      }
      throw new Error(`unknown operator ${ast.op}`);
    }
    case "call": {
      if (ast.name === "if")
        return r(ast.args[0] as Ast) !== 0 ? r(ast.args[1] as Ast) : r(ast.args[2] as Ast);
      const args = ast.args.map(r);
      const [x = NaN, lo = NaN, hi = NaN] = args;
      switch (ast.name) {
        case "min":
          return Math.min(...args);
        case "max":
          return Math.max(...args);
        case "floor":
          return Math.floor(x);
        case "ceil":
          return Math.ceil(x);
        case "round":
          return Math.sign(x) * Math.floor(Math.abs(x) + 0.5);
        case "abs":
          return Math.abs(x);
        case "clamp":
          if (lo > hi) throw new ReferenceError_("clamp");
          return Math.min(Math.max(x, lo), hi);
      }
      throw new Error(`unknown function ${ast.name}`);
    }
  }
}

describe("compiled expressions agree with a reference interpreter", () => {
  it("3000 random expressions, each with three sets of values", () => {
    const random = prng(7);
    const valueSets = [
      { a: 0, b: 1, c: -2 },
      { a: 3, b: 0.5, c: 7 },
      { a: -1, b: -1, c: 0 },
    ];
    for (let n = 0; n < 3000; n++) {
      const ast = generate(random, 4);
      const source = print(ast);
      if (source.length > 1000) continue;
      const compiled = compileExpr(source, VARS);
      for (const vars of valueSets) {
        let expected: number | "error";
        try {
          expected = reference(ast, vars) + 0;
        } catch (err) {
          if (!(err instanceof ReferenceError_)) throw err;
          expected = "error";
        }
        if (expected === "error") {
          assert.throws(
            () => compiled.evaluate(vars),
            ExprEvalError,
            `case ${n}: ${source} with ${JSON.stringify(vars)}`,
          );
        } else {
          const actual = compiled.evaluate(vars);
          assert.equal(actual, expected, `case ${n}: ${source} with ${JSON.stringify(vars)}`);
        }
      }
    }
  });
});
