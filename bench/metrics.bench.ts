// Benchmarks of the metrics path: what write() costs the daemon's loop per point, and
// how much memory a buffered point holds while a target is down (sizing
// metrics_buffer_points). Run: node --import tsx bench/metrics.bench.ts
// (it re-runs itself with --expose-gc to measure memory).
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import {
  createBufferedSink,
  daemonPoint,
  hostPoint,
  MetricsHub,
  pilotEventPoint,
  tickPoint,
  toLine,
  type MetricPoint,
  type MetricsSink,
  type SendOutcome,
  type Timers,
  type Transport,
} from "../src/metrics/index.js";

/** Timers that never fire: nothing is sent, everything stays buffered. */
const frozen: Timers = { setTimeout: () => 0, clearTimeout: () => undefined };
const downTransport: Transport = {
  description: "bench://down",
  send: (): Promise<SendOutcome> => Promise.resolve({ kind: "retry", message: "down" }),
  close: () => undefined,
};

/** One loop's typical points: daemon, host, tick, one pilot event. */
function loopPoints(i: number): MetricPoint[] {
  const t = 1_700_000_000_000 + i * 1000;
  return [
    daemonPoint(
      { uptimeSeconds: i, runningPilots: 14, pausedPilots: 1, status: "active", cpuPriority: "idle" },
      t,
    ),
    hostPoint(
      {
        cpuTotal: 0.91,
        cpuOwner: 0.12,
        cpuPilots: 0.79,
        cpuTotal5m: 0.9,
        cpuOwner5m: 0.1,
        cpuPilots5m: 0.8,
        cpuTotal1h: 0.88,
        cpuOwner1h: 0.09,
        cpuPilots1h: 0.79,
        load1: 15.2,
        load5: 14.9,
        load15: 14.1,
        memAvailableBytes: 20_123_456_789,
        swapUsedBytes: 0,
        diskFreeBytes: 412_345_678_901,
        diskFreeRatio: 0.41,
      },
      t,
    ),
    tickPoint({ durationMs: 8.4, dockerApiCalls: 3, started: 0, killed: 0, paused: 0, resumed: 0 }, t),
    pilotEventPoint(
      {
        event: "exited",
        name: `plancton-worker-${(i % 1e6).toString(36).padStart(6, "0")}`,
        uptimeSeconds: 3600,
        reason: "exited",
        exitCode: 0,
      },
      t,
    ),
  ];
}

export interface MetricsBenchResult {
  hubWriteNsPerPoint: number;
  toLineNsPerPoint: number;
  enqueueNsPerPoint: number;
  bufferedPoints: number;
  bytesPerBufferedPoint: number | undefined;
  averageLineChars: number;
}

function nsPer(count: number, body: () => void): number {
  const start = performance.now();
  body();
  return ((performance.now() - start) * 1e6) / count;
}

export function benchMetrics(loops = 25_000, buffered = 100_000): MetricsBenchResult {
  const batches = Array.from({ length: loops }, (_, i) => loopPoints(i));
  const points = loops * 4;

  // hub.write(): line protocol once + queue on one sink (frozen: nothing sent).
  const hub = new MetricsHub("bench-host.example.org");
  const sinkFactory = (): MetricsSink =>
    createBufferedSink(downTransport, { timers: frozen, maxBufferedPoints: points });
  void hub.setTargets([{ kind: "v1", url: "http://127.0.0.1:1", database: "bench", insecureTls: false }], {
    sinkFactory,
    maxBufferedPoints: points,
  });
  for (const b of batches.slice(0, 1000)) hub.write(b); // warm-up
  const hubWriteNsPerPoint = nsPer(points, () => {
    for (const b of batches) hub.write(b);
  });

  const toLineNsPerPoint = nsPer(points, () => {
    for (const b of batches) for (const p of b) toLine(p, { hostname: "bench-host.example.org" });
  });
  const lines = batches.flat().map((p) => toLine(p, { hostname: "bench-host.example.org" }));
  const averageLineChars = lines.reduce((n, l) => n + l.length, 0) / lines.length;
  const enqueueSink = createBufferedSink(downTransport, { timers: frozen, maxBufferedPoints: lines.length });
  const enqueueNsPerPoint = nsPer(lines.length, () => {
    for (let i = 0; i < lines.length; i += 4) enqueueSink.writeLines(lines.slice(i, i + 4));
  });

  // Memory held per buffered point: heap after filling a sink minus heap before.
  const gc = (globalThis as { gc?: () => void }).gc;
  let bytesPerBufferedPoint: number | undefined;
  if (gc !== undefined) {
    gc();
    const before = process.memoryUsage().heapUsed;
    const sink = createBufferedSink(downTransport, {
      timers: frozen,
      maxBufferedPoints: buffered,
      defaultTags: { hostname: "bench-host.example.org" },
    });
    for (let i = 0; i < buffered / 4; i++) sink.write(loopPoints(i + 1_000_000)); // the points themselves become garbage
    gc();
    const after = process.memoryUsage().heapUsed;
    if (sink.stats().buffered !== buffered)
      throw new Error(`expected ${buffered} buffered, got ${sink.stats().buffered}`);
    bytesPerBufferedPoint = (after - before) / buffered;
  }
  return {
    hubWriteNsPerPoint,
    toLineNsPerPoint,
    enqueueNsPerPoint,
    bufferedPoints: buffered,
    bytesPerBufferedPoint,
    averageLineChars,
  };
}

function main(): void {
  if (
    (globalThis as { gc?: () => void }).gc === undefined &&
    process.env.PLANCTON_BENCH_CHILD === undefined
  ) {
    const r = spawnSync(process.execPath, ["--expose-gc", ...process.execArgv, process.argv[1] as string], {
      stdio: "inherit",
      env: { ...process.env, PLANCTON_BENCH_CHILD: "1" },
    });
    process.exit(r.status ?? 1);
  }
  const r = benchMetrics();
  console.log(
    `metrics: node ${process.version}, typical loop = 4 points (daemon, host, tick, pilot_event), line ${r.averageLineChars.toFixed(0)} chars on average`,
  );
  console.log(
    `  hub.write()            ${r.hubWriteNsPerPoint.toFixed(0).padStart(7)} ns/point (line protocol + queue)`,
  );
  console.log(`  toLine()               ${r.toLineNsPerPoint.toFixed(0).padStart(7)} ns/point`);
  console.log(`  sink.writeLines()      ${r.enqueueNsPerPoint.toFixed(0).padStart(7)} ns/point (queue only)`);
  console.log(
    r.bytesPerBufferedPoint === undefined
      ? "  memory: run with --expose-gc to measure"
      : `  memory                 ${r.bytesPerBufferedPoint.toFixed(0).padStart(7)} bytes/buffered point (${r.bufferedPoints} points: ${((r.bytesPerBufferedPoint * r.bufferedPoints) / 2 ** 20).toFixed(1)} MiB)`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
