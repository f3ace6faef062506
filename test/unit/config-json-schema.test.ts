// The JSON Schema editors use is as strict as the loader: unknown keys flagged, durations,
// sizes and ratios as patterns that accept exactly what the parsers accept, enums listed.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { configJsonSchema } from "../../src/config/reference.js";
import { parseDurationSeconds, parseSizeBytes, parseSizeOrRatio } from "../../src/config/units.js";

type Json = Record<string, unknown>;
const schema = configJsonSchema() as Json & { properties: Record<string, Json> };
const stringBranch = (p: Json): Json => {
  if (p.type === "string") return p;
  for (const b of (p.anyOf as Json[] | undefined) ?? []) {
    const s = stringBranch(b);
    if (s.type === "string") return s;
  }
  return {};
};
const patternOf = (p: Json) => new RegExp(String(stringBranch(p).pattern));

test("unknown keys are flagged, at the top and in nested maps", () => {
  assert.equal(schema.additionalProperties, false);
  const influx = schema.properties.influxdb!.items as Json;
  assert.equal(influx.additionalProperties, false);
  const git = (schema.properties.config_git!.anyOf as Json[]).find((b) => b.type === "object")!;
  assert.equal(git.additionalProperties, false);
});

test("duration, size and ratio patterns accept what the parsers accept, and nothing else", () => {
  const samples = [
    "30",
    "90s",
    "5m",
    "12h",
    "1d",
    "1h30m",
    "1.5h",
    " 5 m",
    "thirty",
    "5 minutes",
    "1h30",
    "-5s",
    "",
    "2GiB",
    "512MB",
    "10%",
    "0.5",
    "1e3",
    "2 g",
    "5 kib",
    "2GiBs",
  ];
  const cases: [string, RegExp, (s: string) => boolean][] = [
    ["main_sleep", patternOf(schema.properties.main_sleep!), (s) => parseDurationSeconds(s) !== undefined],
    [
      "config_git.pull_every",
      patternOf(
        (
          (schema.properties.config_git!.anyOf as Json[]).find((b) => b.type === "object")!
            .properties as Record<string, Json>
        ).pull_every!,
      ),
      (s) => parseDurationSeconds(s) !== undefined,
    ],
    ["max_dock_mem", patternOf(schema.properties.max_dock_mem!), (s) => parseSizeBytes(s) !== undefined],
    ["min_free_disk", patternOf(schema.properties.min_free_disk!), (s) => parseSizeOrRatio(s) !== undefined],
  ];
  for (const [key, re, parses] of cases) {
    for (const s of samples) assert.equal(re.test(s), parses(s), `${key}: ${JSON.stringify(s)}`);
  }
  assert.ok(!patternOf(schema.properties.main_sleep!).test("thirty"));
});

test("enums are listed, and the committed copy is this one", () => {
  assert.deepEqual(schema.properties.pilot_cpu_priority!.enum, ["idle", "normal"]);
  assert.deepEqual(schema.properties.log_level!.enum, ["fatal", "error", "warn", "info", "debug", "trace"]);
  assert.deepEqual(
    JSON.parse(readFileSync(new URL("../../conf-examples/config.schema.json", import.meta.url), "utf8")),
    JSON.parse(JSON.stringify(schema)),
  );
});
