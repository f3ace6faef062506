// The shipped Grafana dashboard against a real influxd: every InfluxQL query of every
// panel (and the hostname variable's query), with Grafana's template variables filled
// in, parses and returns rows from points written through the metrics hub.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseInfluxdbUrl } from "../../src/config/influxdb-url.js";
import { MetricsHub, SERIES } from "../../src/metrics/index.js";
import { startInfluxd, type InfluxdHandle } from "../helpers/influx-servers.js";
import { samplePoints } from "../helpers/metrics-samples.js";

const DASHBOARD = fileURLToPath(new URL("../../conf-examples/grafana/plancton.json", import.meta.url));
const DB = "plancton";
const HOSTS = ["node-a.example", "node-b"];

interface Target {
  refId: string;
  query?: string;
  rawQuery?: boolean;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  interval?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  type: string;
  name: string;
  query?: unknown;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
  datasource?: { uid?: string };
}
interface Dashboard {
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as Dashboard;
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== "row");
const queries = panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({
    panel: p.title,
    refId: t.refId,
    query: t.query ?? "",
    minInterval: p.interval,
  })),
);

/** What Grafana's InfluxDB data source does to a raw query before sending it ($__interval: 10s, or the panel's minimum). */
function interpolate(query: string, hostRegex: string, minInterval?: string): string {
  const interval = minInterval ?? "10s";
  const m = /^(\d+)([smh])$/.exec(interval);
  assert.ok(m, `interval ${interval}`);
  const ms = Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "s" | "m" | "h"];
  return query
    .replaceAll("$timeFilter", "time > now() - 1h")
    .replaceAll("$__interval_ms", String(ms))
    .replaceAll("$__interval", interval)
    .replaceAll("$hostname", hostRegex);
}

function panelQuery(title: string): { query: string; minInterval?: string } {
  const q = queries.find((x) => x.panel === title);
  assert.ok(q, `panel ${title}`);
  return q;
}

describe("Grafana dashboard conf-examples/grafana/plancton.json", () => {
  it("is a Grafana 9+ dashboard with a datasource variable and a multi-select hostname variable", () => {
    assert.ok(dashboard.schemaVersion >= 36, `schemaVersion ${dashboard.schemaVersion}`);
    assert.equal(typeof dashboard.uid, "string");
    const ds = dashboard.templating.list.find((v) => v.name === "datasource");
    assert.deepEqual([ds?.type, ds?.query], ["datasource", "influxdb"]);
    const host = dashboard.templating.list.find((v) => v.name === "hostname");
    assert.equal(host?.type, "query");
    assert.equal(host?.query, 'SHOW TAG VALUES FROM "daemon" WITH KEY = "hostname"');
    assert.equal(host?.multi, true);
    assert.equal(host?.includeAll, true);
    assert.equal(host?.datasource?.uid, "${datasource}");
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, "panel ids are unique");
  });

  it("every panel queries the chosen data source with a raw InfluxQL query filtered by time and host", () => {
    assert.ok(queries.length >= 15, `${queries.length} queries`);
    const measurements = new Set(SERIES.map((s) => s.measurement));
    for (const p of panels) {
      assert.equal(p.datasource?.uid, "${datasource}", p.title);
      for (const t of p.targets ?? []) {
        const where = `${p.title} ${t.refId}`;
        assert.equal(t.rawQuery, true, where);
        assert.equal(t.datasource?.uid, "${datasource}", where);
        assert.ok(t.query?.includes("$timeFilter"), `${where}: $timeFilter`);
        assert.ok(t.query?.includes('"hostname" =~ /^$hostname$/'), `${where}: hostname filter`);
        for (const m of t.query?.matchAll(/FROM "([^"]+)"/g) ?? [])
          assert.ok(measurements.has(m[1] as string), `${where}: unknown measurement ${m[1]}`);
      }
    }
    const covered = new Set(
      queries.flatMap((q) => [...q.query.matchAll(/FROM "([^"]+)"/g)].map((m) => m[1])),
    );
    for (const m of ["daemon", "host", "container", "pilot_event", "image_pull"])
      assert.ok(covered.has(m), `a panel shows ${m}`);
  });

  describe("queries against a real influxd", { timeout: 90_000 }, () => {
    let influx: InfluxdHandle;
    let lastReportMs = 0;
    before(async () => {
      influx = await startInfluxd();
      const now = Date.now();
      lastReportMs = now - 50 * 60_000 + 19 * 150_000;
      for (const host of HOSTS) {
        const hub = new MetricsHub(host);
        const errors: string[] = [];
        await hub.setTargets([parseInfluxdbUrl(`${influx.url}#${DB}`)], {
          maxBufferedPoints: 10_000,
          onError: (m) => errors.push(m),
        });
        for (let i = 0; i < 20; i++) hub.write(samplePoints(now - 50 * 60_000 + i * 150_000, i));
        await hub.close(20_000);
        assert.deepEqual(errors, [], `loading ${host}`);
      }
    });
    after(async () => {
      await influx?.stop();
    });

    it("the hostname variable lists the hosts", async () => {
      const res = await influx.query(DB, 'SHOW TAG VALUES FROM "daemon" WITH KEY = "hostname"');
      const values = (res.results[0]?.series?.[0]?.values ?? []).map((v) => v[1]);
      assert.deepEqual(values.sort(), [...HOSTS].sort());
    });

    it("fleet totals add up the hosts; time since last report is each host's last point", async () => {
      const lastValue = async (title: string, hostRegex: string): Promise<unknown> => {
        const q = panelQuery(title);
        const res = await influx.query(DB, interpolate(q.query, hostRegex, q.minInterval));
        return (res.results[0]?.series?.[0]?.values ?? []).filter((v) => v[1] !== null).at(-1)?.[1];
      };
      // The last sample (i = 19) has 4 running and 1 paused pilot on each host.
      assert.equal(await lastValue("Running pilots", ".*"), 8);
      assert.equal(await lastValue("Running pilots", "(node-b)"), 4);
      assert.equal(await lastValue("Paused pilots", ".*"), 2);
      assert.equal(await lastValue("Hosts reporting", ".*"), 2);
      assert.equal(await lastValue("Hosts reporting", "(node-b)"), 1);
      const q = panelQuery("Time since last report per host");
      const res = await influx.query(DB, interpolate(q.query, ".*"));
      const byHost = Object.fromEntries(
        (res.results[0]?.series ?? []).map((s) => [s.tags?.hostname, s.values[0]?.[0]]),
      );
      assert.deepEqual(byHost, Object.fromEntries(HOSTS.map((h) => [h, lastReportMs])));
    });

    it("core-hours harvested and lost to give-back per day add up the hosts' counters", async () => {
      const total = async (title: string): Promise<number> => {
        const q = panelQuery(title);
        const res = await influx.query(DB, interpolate(q.query, ".*", q.minInterval));
        const rows = (res.results[0]?.series ?? []).flatMap((s) => s.values);
        return rows.reduce((sum, v) => sum + Number(v[1] ?? 0), 0);
      };
      // Each host's counter grows 120 s (busybox) per sample, 30 s lost to overhead and 10 s
      // to schedule (not a give-back); the first 5 min bucket is the baseline (1 or 2 samples).
      const harvested = await total("Core-hours harvested per day");
      assert.ok(
        harvested >= (2 * (19 - 2) * 120) / 3600 && harvested <= (2 * 19 * 120) / 3600 + 1e-9,
        `${harvested}`,
      );
      const lost = await total("Core-hours lost to give-back per day");
      assert.ok(lost >= (2 * (19 - 2) * 30) / 3600 && lost <= (2 * 19 * 30) / 3600 + 1e-9, `${lost}`);
    });

    for (const [label, hostRegex] of [
      ["All hosts", ".*"],
      ["two hosts selected", "(node-a\\.example|node-b)"],
      ["one host", "(node-b)"],
    ] as const) {
      it(`every panel query parses and returns rows (${label})`, async () => {
        const failures: string[] = [];
        for (const q of queries) {
          const text = interpolate(q.query, hostRegex, q.minInterval);
          const res = await influx.query(DB, text);
          const problem = res.error ?? res.results.find((r) => r.error !== undefined)?.error;
          const rows = (res.results[0]?.series ?? []).reduce((n, s) => n + s.values.length, 0);
          if (problem !== undefined) failures.push(`${q.panel} ${q.refId}: ${problem}\n  ${text}`);
          else if (rows === 0) failures.push(`${q.panel} ${q.refId}: no rows\n  ${text}`);
        }
        assert.deepEqual(failures, []);
      });
    }
  });
});
