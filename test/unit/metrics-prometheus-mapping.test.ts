import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { PROM_METRICS, SERIES, daemonPoint, pilotEventPoint, promUpdates } from "../../src/metrics/index.js";

const LEFT_OUT = new Set(["container.exit_code", "pilot_event.exit_code", "image_pull.error"]);

test("every field of SERIES is a Prometheus metric, or one of the documented left-outs", () => {
  const mapped = new Set(
    PROM_METRICS.filter((p) => p.field !== undefined).map((p) => `${p.measurement}.${p.field}`),
  );
  for (const s of SERIES.filter((e) => e.kind === "field")) {
    const key = `${s.measurement}.${s.name}`;
    assert.ok(
      mapped.has(key) !== LEFT_OUT.has(key),
      `${key}: mapped ${mapped.has(key)}, left out ${LEFT_OUT.has(key)}`,
    );
  }
  for (const p of PROM_METRICS) {
    assert.match(p.name, /^plancton_[a-z0-9_]+$/);
    assert.ok(!p.labelNames.includes("name"), `${p.name}: no per-pilot label`);
    assert.ok(p.labelNames.includes("hostname"), p.name);
  }
  assert.equal(new Set(PROM_METRICS.map((p) => p.name)).size, PROM_METRICS.length, "names are unique");
});

test("a daemon point sets gauges with its tags as labels; its status is a state gauge; an event counts", () => {
  const host = {
    cpuModel: "AMD EPYC",
    os: "Debian GNU/Linux 12",
    kernel: "6.1.0",
    arch: "x64",
    dockerFs: "ext4",
    cpuCores: 2,
    memTotalBytes: 8e9,
  };
  const ups = promUpdates(
    daemonPoint(
      {
        uptimeSeconds: 12.5,
        runningPilots: 3,
        pausedPilots: 1,
        status: "draining",
        cpuPriority: "idle",
        host,
      },
      0,
    ),
    { hostname: "h1" },
  );
  const by = new Map(ups.map((u) => [u.spec.name, u]));
  assert.deepEqual(by.get("plancton_daemon_containers"), {
    kind: "set",
    spec: by.get("plancton_daemon_containers")!.spec,
    value: 3,
    labels: {
      hostname: "h1",
      cpu_model: "AMD EPYC",
      os: "Debian GNU/Linux 12",
      kernel: "6.1.0",
      arch: "x64",
      docker_fs: "ext4",
    },
  });
  assert.equal(
    by.get("plancton_daemon_uptime_seconds")?.kind === "set" &&
      by.get("plancton_daemon_uptime_seconds")?.kind,
    "set",
  );
  const status = by.get("plancton_daemon_status");
  assert.equal(status?.kind, "state");
  assert.equal(status?.labels.status, "draining");
  const ev = promUpdates(
    pilotEventPoint(
      { event: "killed", name: "p-abc123", uptimeSeconds: 60, reason: "ttl", exitCode: 137 },
      0,
    ),
    { hostname: "h1" },
  );
  assert.deepEqual(
    ev.map((u) => [u.spec.name, u.kind, "value" in u ? u.value : undefined, u.labels]),
    [
      ["plancton_pilot_event_total", "inc", 1, { hostname: "h1", event: "killed", reason: "ttl" }],
      [
        "plancton_pilot_event_uptime_seconds_sum",
        "inc",
        60,
        { hostname: "h1", event: "killed", reason: "ttl" },
      ],
    ],
  );
});

test("prom-client is imported only dynamically (the default start path never loads it)", () => {
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)],
    );
  const src = path.resolve(import.meta.dirname, "../../src");
  for (const f of files(src).filter((x) => x.endsWith(".ts"))) {
    const text = readFileSync(f, "utf8");
    assert.doesNotMatch(
      text,
      /^import (?!type )[^\n]*from "prom-client"/m,
      `${f} imports prom-client statically`,
    );
    if (text.includes('import("prom-client")')) assert.equal(path.basename(f), "prometheus-exporter.ts");
  }
});
