import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  INSTANT_VARIABLES,
  OBSERVATION_VARIABLES,
  OBSERVATION_VARIABLE_NAMES,
  WINDOWED_SIGNALS,
  variablesTable,
} from "../../src/host/variables.js";

describe("observation variables catalogue", () => {
  it("lists every instant variable and one variable per windowed signal and window", () => {
    const instant = [
      "cpu_total",
      "cpu_pilots",
      "cpu_plancton",
      "cpu_owner",
      "load1",
      "load5",
      "load15",
      "mem_available_bytes",
      "mem_available_ratio",
      "mem_stall_some",
      "mem_psi_some_avg10",
      "swap_used_bytes",
      "disk_free_bytes",
      "disk_free_ratio",
      "ncpus",
      "ram_bytes",
      "swap_bytes",
      "running",
      "paused",
      "pilots",
      "hour",
      "minute",
      "weekday",
      "uptime_seconds",
      "input_idle",
      "input_sessions",
      "remote_sessions",
      "on_battery",
      "battery_percent",
      "sampled_at_ms",
      "sample_span_ms",
    ];
    assert.deepEqual(
      INSTANT_VARIABLES.map((v) => v.name),
      instant,
    );
    assert.equal(WINDOWED_SIGNALS.length, 16);
    assert.equal(OBSERVATION_VARIABLE_NAMES.length, instant.length + 16 * 6);
    for (const name of [
      "cpu_owner_5m",
      "load5_30m",
      "disk_free_ratio_1d",
      "cpu_pilots_1m",
      "swap_used_bytes_12h",
      "mem_available_ratio_1h",
      "input_idle_5m",
      "on_battery_1h",
    ]) {
      assert.ok(OBSERVATION_VARIABLE_NAMES.includes(name), name);
    }
    assert.ok(!OBSERVATION_VARIABLE_NAMES.includes("ncpus_1m"));
  });

  it("has unique, expression-friendly names, each with a unit and a doc", () => {
    assert.equal(new Set(OBSERVATION_VARIABLE_NAMES).size, OBSERVATION_VARIABLE_NAMES.length);
    for (const v of OBSERVATION_VARIABLES) {
      assert.match(v.name, /^[a-z][a-z0-9_]*$/);
      assert.ok(v.unit.length > 0 && v.doc.length > 10, v.name);
    }
  });

  it("generates a Markdown table with one row per instant variable and per windowed signal", () => {
    const table = variablesTable();
    const lines = table.trim().split("\n");
    assert.equal(lines[0], "| name | unit | meaning |");
    assert.equal(lines.length, 2 + INSTANT_VARIABLES.length + WINDOWED_SIGNALS.length);
    assert.ok(table.includes("| `cpu_owner` | fraction |"));
    assert.ok(table.includes("`cpu_owner_{1m,5m,30m,1h,12h,1d}`"));
    for (const line of lines) assert.equal(line.split(/(?<!\\)\|/).length, 5, line);
  });
});
