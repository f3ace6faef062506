// The original's influxdb_url path against a real InfluxDB 1.x: every series goes
// through createSink(v1) into a database that does not exist yet; the sink creates it,
// and every point reads back with its tags, fields, types and timestamp.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseInfluxdbUrl } from "../../src/config/influxdb-url.js";
import { createSink, SERIES, type MetricPoint } from "../../src/metrics/index.js";
import { startInfluxd, type InfluxdHandle } from "../helpers/influx-servers.js";
import { samplePoints } from "../helpers/metrics-samples.js";

const DB = "plancton v1 test"; // a space: the CREATE DATABASE quoting is exercised too
const HOST = "it-host-1";

describe("metrics sink, InfluxDB v1 (real influxd)", { timeout: 90_000 }, () => {
  let influx: InfluxdHandle;
  before(async () => {
    influx = await startInfluxd();
  });
  after(async () => {
    await influx?.stop();
  });

  it("creates the missing database and stores every series as written", async () => {
    const before = await influx.query("", "SHOW DATABASES");
    assert.ok(!JSON.stringify(before).includes(DB), "the database does not exist yet");
    const errors: string[] = [];
    const sink = createSink(parseInfluxdbUrl(`${influx.url}#${DB}`), {
      maxBufferedPoints: 10_000,
      defaultTags: { hostname: HOST },
      onError: (m) => errors.push(m),
    });
    const t0 = Date.now() - 60_000;
    const written: MetricPoint[] = [];
    for (let i = 0; i < 3; i++) {
      const points = samplePoints(t0 + i * 10_000, i);
      written.push(...points);
      sink.write(points);
    }
    await sink.close(20_000);
    const stats = sink.stats();
    assert.deepEqual(
      [stats.delivered, stats.dropped, stats.buffered],
      [written.length, 0, 0],
      JSON.stringify({ stats, errors }),
    );
    assert.deepEqual(errors, []);

    const measurements = [...new Set(SERIES.map((s) => s.measurement))];
    for (const m of measurements) {
      const res = await influx.query(DB, `SELECT * FROM "${m}"`);
      const series = res.results[0]?.series?.[0];
      assert.ok(series, `${m}: no rows: ${JSON.stringify(res)}`);
      const rows = series.values.map((v) => Object.fromEntries(series.columns.map((c, k) => [c, v[k]])));
      const expected = written.filter((p) => p.measurement === m);
      assert.equal(rows.length, expected.length, `${m}: row count`);
      for (const p of expected) {
        const row = rows.find(
          (r) => r.time === p.timeMs && Object.entries(p.tags).every(([k, v]) => r[k] === v),
        );
        assert.ok(row, `${m} at ${p.timeMs} ${JSON.stringify(p.tags)} not found`);
        assert.equal(row.hostname, HOST);
        for (const [f, v] of Object.entries(p.fields)) {
          const want = typeof v === "string" ? v.replace(/\n/g, " ") : v;
          assert.equal(row[f], want, `${m}.${f}`);
        }
      }
      // The field types InfluxDB recorded are the ones SERIES declares.
      const keys = await influx.query(DB, `SHOW FIELD KEYS FROM "${m}"`);
      const types = Object.fromEntries((keys.results[0]?.series?.[0]?.values ?? []).map((v) => [v[0], v[1]]));
      for (const e of SERIES.filter((s) => s.measurement === m && s.kind === "field")) {
        const influxType = { float: "float", int: "integer", string: "string", bool: "boolean" }[e.type];
        assert.equal(types[e.name], influxType, `${m}.${e.name} type`);
      }
    }
  });
});
