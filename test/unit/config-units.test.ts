import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDurationSeconds, parseSizeBytes, parseSizeOrRatio } from "../../src/config/units.js";

test("durations: seconds and unit strings", () => {
  const cases: [string, number | undefined][] = [
    ["30", 30],
    ["90s", 90],
    ["5m", 300],
    ["12h", 43200],
    ["1d", 86400],
    ["1h30m", 5400],
    ["500ms", 0.5],
    ["2 m", 120],
    ["", undefined],
    ["5 minutes", undefined],
    ["-5s", undefined],
    ["1x", undefined],
    ["m", undefined],
  ];
  for (const [input, want] of cases) assert.equal(parseDurationSeconds(input), want, input);
});

test("sizes: bytes and unit strings", () => {
  const cases: [string, number | undefined][] = [
    ["2000000000", 2e9],
    ["2GiB", 2 * 1024 ** 3],
    ["512MB", 512e6],
    ["1.5 GiB", 1.5 * 1024 ** 3],
    ["64mib", 64 * 1024 ** 2],
    ["2G", 2 * 1024 ** 3],
    ["2 gigs", undefined],
    ["-1GB", undefined],
    ["GiB", undefined],
  ];
  for (const [input, want] of cases) assert.equal(parseSizeBytes(input), want, input);
});

test("size or ratio thresholds", () => {
  assert.deepEqual(parseSizeOrRatio("10%"), { ratio: 0.1 });
  assert.deepEqual(parseSizeOrRatio(0.05), { ratio: 0.05 });
  assert.deepEqual(parseSizeOrRatio("1GiB"), { bytes: 1024 ** 3 });
  assert.deepEqual(parseSizeOrRatio(4096), { bytes: 4096 });
  assert.equal(parseSizeOrRatio("150%"), undefined);
  assert.equal(parseSizeOrRatio("lots"), undefined);
});
