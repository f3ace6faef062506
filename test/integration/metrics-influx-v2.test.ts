// The v2 write API path against a real VictoriaMetrics (it accepts /api/v2/write and
// names each series <measurement>_<field>, tags as labels): every numeric field of
// every series arrives with its value and original timestamp.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MetricsHub, SERIES, type MetricPoint } from "../../src/metrics/index.js";
import { startVictoriaMetrics, type ServerHandle } from "../helpers/influx-servers.js";
import { samplePoints } from "../helpers/metrics-samples.js";

const HOST = "it-host-v2";
const MEASUREMENTS = [...new Set(SERIES.map((s) => s.measurement))];

interface Exported {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

async function exportAll(url: string): Promise<Exported[]> {
  const match = `{__name__=~"(${MEASUREMENTS.join("|")})_.+"}`;
  const res = await fetch(`${url}/api/v1/export?${new URLSearchParams({ "match[]": match })}`, {
    signal: AbortSignal.timeout(5000),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const text = await res.text();
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Exported);
}

describe("metrics sink, v2 write API (real VictoriaMetrics)", { timeout: 90_000 }, () => {
  let vm: ServerHandle;
  before(async () => {
    vm = await startVictoriaMetrics();
  });
  after(async () => {
    await vm?.stop();
  });

  it("delivers every numeric field of every series with its tags and timestamp", async () => {
    const hub = new MetricsHub(HOST);
    const errors: string[] = [];
    await hub.setTargets(
      [{ kind: "v2", url: vm.url, token: "user:password", org: "", bucket: "plancton/autogen" }],
      { maxBufferedPoints: 10_000, onError: (m) => errors.push(m) },
    );
    const t0 = Date.now() - 60_000;
    const written: MetricPoint[] = [];
    for (let i = 0; i < 3; i++) {
      const points = samplePoints(t0 + i * 10_000, i);
      written.push(...points);
      hub.write(points);
    }
    await hub.close(20_000);
    assert.deepEqual(errors, []);

    // One expected sample per (numeric field, point).
    const expected = written.flatMap((p) =>
      Object.entries(p.fields)
        .filter(([, v]) => typeof v === "number")
        .map(([f, v]) => ({
          name: `${p.measurement}_${f}`,
          labels: { ...p.tags, hostname: HOST },
          value: v as number,
          timeMs: p.timeMs,
        })),
    );

    let missing = expected;
    const deadline = Date.now() + 20_000;
    while (missing.length > 0 && Date.now() < deadline) {
      // Make recently ingested rows searchable now rather than at VictoriaMetrics' next flush.
      await fetch(`${vm.url}/internal/force_flush`, { signal: AbortSignal.timeout(5000) });
      const series = await exportAll(vm.url);
      missing = expected.filter(
        (e) =>
          !series.some(
            (s) =>
              s.metric.__name__ === e.name &&
              Object.entries(e.labels).every(([k, v]) => s.metric[k] === v) &&
              s.timestamps.some((t, k) => t === e.timeMs && s.values[k] === e.value),
          ),
      );
      if (missing.length > 0) await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} of ${expected.length} samples missing`);
    for (const m of MEASUREMENTS)
      assert.ok(
        expected.some((e) => e.name.startsWith(`${m}_`)),
        `${m} was written`,
      );
  });
});
