// Benchmark "sink outage": the timing bounds the metrics-outage test used to assert, now
// figures. A writer adds a tick point every 100 ms for OUTAGE_S seconds while the InfluxDB
// target does not answer (a closed port: every flush fails and is retried). Figures: the
// points the writer got in (a writer starved by a slow write() gets fewer than 10 a second)
// and the slowest write() (it only queues: it must never wait for the network).
// Run: node --import tsx bench/sink-outage.ts
import net from "node:net";
import { performance } from "node:perf_hooks";
import { parseInfluxdbUrl } from "../src/config/influxdb-url.js";
import { createSink, tickPoint } from "../src/metrics/index.js";
import type { Figure } from "./support/figures.js";
import { benchMain, isMain, type BenchContext, type BenchOutput } from "./support/runner.js";
import { sleep } from "./support/wait.js";

const OUTAGE_S = Number(process.env.PLANCTON_BENCH_SINK_OUTAGE_SECONDS ?? 5);
const EVERY_MS = 100;
const MAX_WRITE_MS = 50;

/** A port nothing listens on: taken, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export async function benchSinkOutage(ctx: BenchContext): Promise<BenchOutput> {
  const url = `http://127.0.0.1:${await closedPort()}#plancton_bench`;
  const sink = createSink(parseInfluxdbUrl(url), {
    maxBufferedPoints: 200_000,
    defaultTags: { hostname: "bench" },
    flushIntervalMs: 200,
    minRetryMs: 200,
    maxRetryMs: 1000,
    requestTimeoutMs: 2000,
    onError: () => undefined,
  });
  ctx.onCleanup(() => void sink.close(100)); // nothing to deliver to a closed port: not awaited
  const writeMs: number[] = [];
  const writer = setInterval(() => {
    const p = tickPoint(
      { durationMs: 1, dockerApiCalls: 1, started: 0, killed: 0, paused: 0, resumed: 0 },
      Date.now(),
    );
    const t = performance.now();
    sink.write([p]);
    writeMs.push(performance.now() - t);
  }, EVERY_MS);
  await sleep(OUTAGE_S * 1000);
  clearInterval(writer);
  const expected = Math.floor((OUTAGE_S * 1000) / EVERY_MS);
  const minPoints = Math.floor(expected * 0.8);
  const maxWrite = Math.max(...writeMs);
  const figures: Figure[] = [
    {
      id: "sink_outage.points",
      figure: `points written in a ${OUTAGE_S} s outage, one every ${EVERY_MS} ms`,
      value: writeMs.length,
      unit: "",
      target: `>= ${minPoints}`,
      pass: writeMs.length >= minPoints,
    },
    {
      id: "sink_outage.max_write_ms",
      figure: "slowest write() during the outage",
      value: maxWrite,
      unit: "ms",
      target: `< ${MAX_WRITE_MS} ms`,
      pass: maxWrite < MAX_WRITE_MS,
      note: "write() queues; the retries run on their own timer",
    },
  ];
  return { figures, details: { writeMs, stats: sink.stats() } };
}

if (isMain(import.meta.url)) await benchMain("sink-outage", benchSinkOutage);
