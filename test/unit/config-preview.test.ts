// Every message built from a config value is bounded, whatever the value.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  boundProblem,
  capProblems,
  ConfigError,
  formatProblem,
  MAX_PROBLEMS,
  preview,
} from "../../src/config/errors.js";
import { MAX_KEY_CHARS, MAX_MESSAGE_CHARS } from "../../src/config/preview.js";

test("preview quotes small values as JSON", () => {
  assert.equal(preview("abc"), '"abc"');
  assert.equal(preview([1, "a", null]), '[1,"a",null]');
  assert.equal(preview({ a: 1 }), '{"a":1}');
  assert.equal(preview(Number.POSITIVE_INFINITY), "Infinity");
  assert.equal(preview(undefined), "undefined");
});

test("preview is bounded on huge strings, keys, lists, maps and deep or shared trees", () => {
  const huge = "x".repeat(10_000_000);
  const wide = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
  let deep: unknown = "leaf";
  for (let i = 0; i < 10_000; i++) deep = [deep];
  let shared: unknown[] = ["lol"];
  for (let i = 0; i < 30; i++) shared = [shared, shared, shared]; // 3^30 leaves if walked
  for (const v of [
    huge,
    { [huge]: 1 },
    Array(1_000_000).fill(huge),
    wide,
    deep,
    shared,
    new Uint8Array(1_000_000),
  ]) {
    assert.ok(preview(v).length <= 81, preview(v).slice(0, 100));
    assert.ok(preview(v, 20).length <= 21);
  }
});

test("a problem is one line with a clipped key and message", () => {
  const p = boundProblem({ key: "k".repeat(100_000), message: `a\nb${"m".repeat(100_000)}` });
  assert.equal(p.key?.length, MAX_KEY_CHARS + 1);
  assert.ok(p.message.length <= MAX_MESSAGE_CHARS + 3);
  assert.doesNotMatch(p.message, /\n/);
  assert.doesNotMatch(formatProblem("f", { key: "a\nb", message: "c\rd" }), /[\r\n]/);
});

test("lists of problems are capped with '... and N more'", () => {
  const many = Array.from({ length: 100_000 }, (_, i) => ({ key: `k${i}`, message: "bad" }));
  const capped = capProblems(many);
  assert.equal(capped.length, MAX_PROBLEMS + 1);
  assert.equal(capped.at(-1)?.message, `... and ${100_000 - MAX_PROBLEMS} more problems`);
  const err = new ConfigError("c.yaml", many);
  assert.equal(err.problems.length, MAX_PROBLEMS + 1);
  assert.equal(err.message.split("\n").length, MAX_PROBLEMS + 1);
  assert.match(err.message, /c\.yaml: \.\.\. and 99980 more problems$/);
});
