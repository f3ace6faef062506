// Hostile config texts, for the unit tests, the daemon corpus and bench/config.bench.ts.
import { CONFIG_KEYS } from "../../src/config/schema.js";

/** The classic billion laughs under `key`: 9 levels of 9 aliases, ~10^9 strings once walked, < 400 bytes. */
export function billionLaughs(key: string): string {
  const lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) lines.push(`l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(",")}]`);
  return `${lines.join("\n")}\n${key}: *l8\n`;
}

/** `n` unknown keys, one a line. */
export function manyKeys(n: number): string {
  return Array.from({ length: n }, (_, i) => `unknown_key_${i}: ${i}`).join("\n") + "\n";
}

/** Odd values, as YAML, for every key: types the schema does not expect, huge, deep, aliased. */
export const ODD_VALUES: readonly { name: string; yaml: string }[] = [
  { name: "true", yaml: "true" },
  { name: "false", yaml: "false" },
  { name: "0", yaml: "0" },
  { name: "-1", yaml: "-1" },
  { name: "1e308", yaml: "1e308" },
  { name: "1e-9", yaml: "1.0e-9" },
  { name: ".nan", yaml: ".nan" },
  { name: ".inf", yaml: ".inf" },
  { name: "empty string", yaml: '""' },
  { name: "null", yaml: "null" },
  { name: "host", yaml: "host" },
  { name: "root", yaml: "root" },
  { name: "container:x", yaml: '"container:x"' },
  { name: "a list of odd things", yaml: '[null, 1, true, {a: 1}, [2], "+SYS_ADMIN", "/:/host:rw"]' },
  { name: "an empty list", yaml: "[]" },
  { name: "a map", yaml: "{toString: 1, valueOf: 2, __proto__: 3, constructor: 4}" },
  { name: "a timestamp", yaml: "2024-01-01T00:00:00Z" },
  { name: "binary", yaml: "!!binary aGVsbG8=" },
  { name: "a set", yaml: "!!set {a, b}" },
  { name: "a long string", yaml: `"${"x".repeat(200_000)}"` },
  { name: "a long key map", yaml: `{${"k".repeat(200_000)}: 1}` },
  { name: "deep lists", yaml: `${"[".repeat(30)}${"]".repeat(30)}` },
  { name: "too deep", yaml: `${"[".repeat(5000)}${"]".repeat(5000)}` },
  { name: "a wide list", yaml: `[${Array(50_000).fill("1").join(",")}]` },
  { name: "a bomb", yaml: "*l8" },
];

/** `key: value`, with the billion-laughs anchors above it when the value is the alias *l8. */
export function remoteWith(key: string, valueYaml: string): string {
  if (!valueYaml.includes("*l8")) return `${key}: ${valueYaml}\n`;
  return `${billionLaughs("unused_bomb_key").split("\n").slice(0, 9).join("\n")}\n${key}: ${valueYaml}\n`;
}

/** Every key of the schema, a nested one of each map, and keys that do not exist. */
export const CORPUS_KEYS: readonly string[] = [...CONFIG_KEYS, "no_such_key", "k".repeat(100_000)];
