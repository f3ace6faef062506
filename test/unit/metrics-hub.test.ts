import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseInfluxdbUrl } from "../../src/config/influxdb-url.js";
import {
  MetricsHub,
  daemonPoint,
  type MetricPoint,
  type MetricsSink,
  type MetricsTarget,
  type SinkStats,
} from "../../src/metrics/index.js";

class FakeSink implements MetricsSink {
  lines: string[][] = [];
  closedWith: number | undefined;
  constructor(readonly target: MetricsTarget) {}
  write(): void {
    throw new Error("the hub converts once and calls writeLines");
  }
  writeLines(lines: readonly string[]): void {
    this.lines.push([...lines]);
  }
  async flush(): Promise<void> {}
  async close(timeoutMs: number): Promise<void> {
    this.closedWith = timeoutMs;
  }
  stats(): SinkStats {
    return {
      target: JSON.stringify(this.target),
      buffered: 1,
      delivered: 2,
      dropped: 3,
      rejected: 0,
      retries: 4,
    };
  }
}

function hubWithFakes() {
  const made: FakeSink[] = [];
  const hub = new MetricsHub("node-01");
  const opts = {
    sinkFactory: (t: MetricsTarget) => {
      const s = new FakeSink(t);
      made.push(s);
      return s;
    },
    closeTimeoutMs: 1234,
    maxBufferedPoints: 1000,
  };
  return { hub, made, opts };
}

const a = parseInfluxdbUrl("http://a:8086#plancton");
const b = parseInfluxdbUrl("http://b:8086#plancton");
const v2: MetricsTarget = { kind: "v2", url: "http://c:8086", token: "t", org: "o", bucket: "plancton" };
const p = (i: number): MetricPoint =>
  daemonPoint(
    { uptimeSeconds: i, runningPilots: 1, pausedPilots: 0, status: "active", cpuPriority: "idle" },
    1_700_000_000_000 + i,
  );

describe("MetricsHub", () => {
  it("adds the hostname tag and hands the same lines to every sink", async () => {
    const { hub, made, opts } = hubWithFakes();
    await hub.setTargets([a, v2], opts);
    hub.write([p(1), p(2)]);
    assert.equal(made.length, 2);
    assert.deepEqual(made[0]?.lines, made[1]?.lines);
    assert.match(made[0]?.lines[0]?.[0] ?? "", /^daemon,hostname=node-01 containers=1,/);
    assert.equal(made[0]?.lines[0]?.length, 2);
  });

  it("hostname from the hub wins over a point's own hostname tag", async () => {
    const { hub, made, opts } = hubWithFakes();
    await hub.setTargets([a], opts);
    hub.write([{ ...p(1), tags: { hostname: "spoofed" } }]);
    assert.match(made[0]?.lines[0]?.[0] ?? "", /hostname=node-01/);
  });

  it("hot reload keeps unchanged sinks, makes new ones, flushes and closes removed ones (bounded)", async () => {
    const { hub, made, opts } = hubWithFakes();
    await hub.setTargets([a, b], opts);
    const [sinkA, sinkB] = made;
    await hub.setTargets([parseInfluxdbUrl("http://a:8086/#plancton"), v2, v2], opts);
    assert.equal(made.length, 3, "a kept, v2 made once");
    assert.equal(sinkA?.closedWith, undefined);
    assert.equal(sinkB?.closedWith, 1234);
    hub.write([p(3)]);
    assert.equal(sinkA?.lines.length, 1);
    assert.equal(sinkB?.lines.length, 0);
    assert.equal(hub.stats().length, 2);
  });

  it("with no target, write() does nothing; invalid points are reported once and skipped", async () => {
    const { hub, made, opts } = hubWithFakes();
    hub.write([p(1)]);
    const errors: string[] = [];
    await hub.setTargets([a], { ...opts, onError: (m) => errors.push(m) });
    const bad: MetricPoint = { measurement: "tick", tags: {}, fields: {}, timeMs: 0 };
    hub.write([bad, p(1), bad]);
    hub.write([bad]);
    assert.deepEqual(errors, ["invalid point: tick: no field with a writable value"]);
    assert.equal(made[0]?.lines.flat().length, 1);
    assert.doesNotThrow(() => hub.write([undefined as unknown as MetricPoint]));
  });

  it("selfReport() turns the sinks' stats into metrics points; close() closes them all", async () => {
    const { hub, made, opts } = hubWithFakes();
    await hub.setTargets([a, b], opts);
    const points = hub.selfReport(5);
    assert.equal(points.length, 2);
    assert.deepEqual(points[0]?.fields, { buffered: 1, delivered: 2, dropped: 3, retries: 4 });
    assert.equal(points[0]?.measurement, "metrics");
    await hub.close(99);
    assert.deepEqual(
      made.map((s) => s.closedWith),
      [99, 99],
    );
    assert.deepEqual(hub.stats(), []);
    hub.write([p(1)]);
    await hub.setTargets([a], opts);
    assert.equal(made.length, 2, "a closed hub stays closed");
  });
});
