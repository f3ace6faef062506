// Outage tolerance against a real influxd: a writer adds a point every 100 ms while
// influxd is stopped (SIGTERM) for ~5 s and started again on the same port and data
// dir. Every point, including those written during the outage, arrives with its
// timestamp; how long write() took is reported (durations and a 30 s outage: bench/).
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { after, before, describe, it } from "node:test";
import { parseInfluxdbUrl } from "../../src/config/influxdb-url.js";
import { createSink, tickPoint } from "../../src/metrics/index.js";
import { startInfluxd, type InfluxdHandle } from "../helpers/influx-servers.js";

const DB = "outage";
const OUTAGE_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("metrics sink through an InfluxDB outage (real influxd)", { timeout: 120_000 }, () => {
  let influx: InfluxdHandle;
  before(async () => {
    influx = await startInfluxd();
  });
  after(async () => {
    await influx?.stop();
  });

  it("keeps every point written while the server is down and delivers it afterwards", async () => {
    const errors: string[] = [];
    const sink = createSink(parseInfluxdbUrl(`${influx.url}#${DB}`), {
      maxBufferedPoints: 200_000,
      defaultTags: { hostname: "outage-host" },
      flushIntervalMs: 200,
      minRetryMs: 200,
      maxRetryMs: 1000,
      requestTimeoutMs: 2000,
      onError: (m) => errors.push(m),
    });
    const written: number[] = [];
    const duringOutage: number[] = [];
    let outage = false;
    let maxWriteMs = 0;
    let lastTime = 0;
    const writer = setInterval(() => {
      const timeMs = Math.max(Date.now(), lastTime + 1);
      lastTime = timeMs;
      const p = tickPoint(
        { durationMs: 1, dockerApiCalls: 1, started: 0, killed: 0, paused: 0, resumed: 0 },
        timeMs,
      );
      const t = performance.now();
      sink.write([p]);
      maxWriteMs = Math.max(maxWriteMs, performance.now() - t);
      written.push(timeMs);
      if (outage) duringOutage.push(timeMs);
    }, 100);

    try {
      await sleep(1000);
      await influx.kill();
      outage = true;
      await sleep(OUTAGE_MS);
      outage = false;
      const midStats = sink.stats();
      await influx.restart();
      await sleep(1000);
      clearInterval(writer);
      await sink.flush(20_000);

      assert.ok(
        midStats.retries > 0 && midStats.buffered > 0,
        `the outage was felt: ${JSON.stringify(midStats)}`,
      );
      assert.ok(duringOutage.length > 0, "points were written during the outage");
      const s = sink.stats();
      assert.deepEqual([s.buffered, s.dropped, s.delivered], [0, 0, written.length], JSON.stringify(s));
      assert.ok(
        errors.length >= 1 && errors.length <= 5,
        `errors reported once per distinct message: ${JSON.stringify(errors)}`,
      );

      const res = await influx.query(DB, 'SELECT "started" FROM "tick"');
      const stored = new Set((res.results[0]?.series?.[0]?.values ?? []).map((v) => v[0] as number));
      assert.equal(stored.size, written.length, "every point stored exactly once per timestamp");
      assert.deepEqual(
        duringOutage.filter((t) => !stored.has(t)),
        [],
        "every point of the outage arrived with its timestamp",
      );
      // How long write() takes is bench/ material (bench/metrics-outage.ts): reported, not asserted.
      process.stdout.write(`# write() took up to ${maxWriteMs.toFixed(2)} ms\n`);
    } finally {
      clearInterval(writer);
      await sink.close(1000);
    }
  });
});
