import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  SERIES,
  accountingPoints,
  seriesTable,
  toLine,
  containerPoint,
  daemonPoint,
  hostPoint,
  imagePullPoint,
  measurementPoint,
  metricsPoints,
  pilotEventPoint,
  tickPoint,
  type MetricPoint,
} from "../../src/metrics/index.js";

const T = 1_700_000_000_123;
const HOST = {
  cpuModel: "AMD EPYC 7763",
  os: "Debian GNU/Linux 12",
  kernel: "6.1.0-18-amd64",
  arch: "x64",
  dockerFs: "ext4",
  cpuCores: 2,
  memTotalBytes: 8e9,
};

/** Every builder with every optional input set: together they must cover SERIES exactly. */
function fullSamples(): MetricPoint[] {
  return [
    daemonPoint(
      {
        uptimeSeconds: 12.5,
        runningPilots: 3,
        pausedPilots: 1,
        status: "active",
        cpuPriority: "idle",
        host: HOST,
        fastExits: 2,
        engine: "docker",
      },
      T,
    ),
    measurementPoint({ cpuBusy: 0.425 }, T),
    containerPoint(
      {
        name: "plancton-worker-abc123",
        started: true,
        killed: true,
        uptimeSeconds: 3600,
        reason: "ttl",
        exitCode: 137,
      },
      T,
    ),
    hostPoint(
      {
        cpuTotal: 0.5,
        cpuOwner: 0.2,
        cpuPilots: 0.3,
        cpuTotal5m: 0.45,
        cpuOwner5m: 0.15,
        cpuPilots5m: 0.3,
        cpuTotal1h: 0.4,
        cpuOwner1h: 0.1,
        cpuPilots1h: 0.3,
        load1: 1.5,
        load5: 1.2,
        load15: 1,
        memAvailableBytes: 8e9,
        swapUsedBytes: 0,
        diskFreeBytes: 1.2e11,
        diskFreeRatio: 0.4,
      },
      T,
    ),
    pilotEventPoint(
      {
        event: "killed",
        name: "plancton-worker-abc123",
        uptimeSeconds: 60,
        reason: "mem_pressure",
        exitCode: 137,
      },
      T,
    ),
    imagePullPoint({ image: "busybox:latest", ok: false, durationMs: 1500, error: "pull access denied" }, T),
    tickPoint({ durationMs: 12.3, dockerApiCalls: 4, started: 2, killed: 1, paused: 0, resumed: 0 }, T),
    ...metricsPoints(
      [
        {
          target: "http://influx:8086#plancton",
          buffered: 5,
          delivered: 100,
          dropped: 0,
          rejected: 0,
          retries: 2,
        },
      ],
      T,
    ),
    ...accountingPoints(new Map([["plancton/busybox:local", 12.5]]), new Map([["overhead", 3]]), T),
  ];
}

const key = (m: string, kind: string, name: string): string => `${m}/${kind}/${name}`;

describe("series: builders and the SERIES table agree", () => {
  it("every tag and field a builder writes is in SERIES, with the declared type", () => {
    for (const p of fullSamples()) {
      for (const [name, value] of Object.entries(p.tags)) {
        const e = SERIES.find((s) => s.measurement === p.measurement && s.kind === "tag" && s.name === name);
        assert.ok(e, `${p.measurement} tag ${name} is not documented in SERIES`);
        assert.equal(typeof value, "string");
      }
      for (const [name, value] of Object.entries(p.fields)) {
        const e = SERIES.find(
          (s) => s.measurement === p.measurement && s.kind === "field" && s.name === name,
        );
        assert.ok(e, `${p.measurement} field ${name} is not documented in SERIES`);
        const expected =
          e.type === "int" || e.type === "float" ? "number" : e.type === "bool" ? "boolean" : "string";
        assert.equal(typeof value, expected, `${p.measurement}.${name}`);
      }
    }
  });

  it("SERIES documents nothing the builders do not write (hostname comes from the hub)", () => {
    const written = new Set<string>();
    for (const p of fullSamples()) {
      for (const name of Object.keys(p.tags)) written.add(key(p.measurement, "tag", name));
      for (const name of Object.keys(p.fields)) written.add(key(p.measurement, "field", name));
      written.add(key(p.measurement, "tag", "hostname"));
    }
    const documented = new Set(SERIES.map((s) => key(s.measurement, s.kind, s.name)));
    assert.deepEqual(
      [...documented].filter((k) => !written.has(k)),
      [],
    );
    assert.equal(documented.size, SERIES.length, "no entry twice");
  });

  it("every measurement carries the hostname tag", () => {
    for (const m of new Set(SERIES.map((s) => s.measurement))) {
      assert.ok(
        SERIES.some((s) => s.measurement === m && s.kind === "tag" && s.name === "hostname"),
        m,
      );
    }
  });

  it("keeps the original three series as Plancton 0.6 wrote them", () => {
    const [withHost, measurement, container] = fullSamples();
    // The host facts add tags and fields; without them the point is the original's.
    assert.deepEqual(withHost?.tags, {
      cpu_model: "AMD EPYC 7763",
      os: "Debian GNU/Linux 12",
      kernel: "6.1.0-18-amd64",
      arch: "x64",
      docker_fs: "ext4",
    });
    assert.equal(withHost?.fields.cpu_cores, 2);
    const daemon = daemonPoint(
      { uptimeSeconds: 12.5, runningPilots: 3, pausedPilots: 1, status: "active", cpuPriority: "idle" },
      T,
    );
    assert.equal(daemon?.measurement, "daemon");
    assert.deepEqual(Object.keys(daemon?.tags ?? {}), []);
    assert.equal(daemon?.fields.uptime, 12.5);
    assert.equal(daemon?.fields.containers, 3);
    assert.equal(daemon?.fields.status, "active");
    assert.equal(measurement?.measurement, "measurement");
    assert.equal(measurement?.fields.cpu_eff, 42.5, "cpu_eff is in percent");
    assert.deepEqual(container?.tags, {
      started: "True",
      killed: "True",
      name: "plancton-worker-abc123",
      reason: "ttl",
    });
    assert.equal(container?.fields.uptime, 3600);
    // Numbers the original wrote are floats in existing databases: no "i" suffix for them.
    const line = toLine(daemon as MetricPoint, { hostname: "h" });
    assert.match(
      line,
      /^daemon,hostname=h containers=3,cpu_priority="idle",paused=1i,status="active",uptime=12.5 1700000000123$/,
    );
    assert.match(
      toLine(
        containerPoint(
          { name: "n", started: false, killed: false, uptimeSeconds: 0, reason: "never_started" },
          T,
        ),
      ),
      /^container,killed=False,name=n,reason=never_started,started=False uptime=0 1700000000123$/,
    );
  });

  it("names the engine in the daemon series once it answered", () => {
    const d = {
      uptimeSeconds: 1,
      runningPilots: 0,
      pausedPilots: 0,
      status: "active" as const,
      cpuPriority: "idle" as const,
    };
    assert.equal(daemonPoint({ ...d, engine: "podman" }, T).fields.engine, "podman");
    assert.equal("engine" in daemonPoint(d, T).fields, false);
  });

  it("writes each field with its declared line-protocol type", () => {
    for (const p of fullSamples()) {
      const line = toLine(p, { hostname: "host-1" });
      assert.ok(line.startsWith(`${p.measurement},`), line);
      assert.ok(line.includes("hostname=host-1"), line);
      assert.ok(line.endsWith(` ${T}`), `original timestamp kept: ${line}`);
      for (const e of SERIES.filter(
        (s) => s.measurement === p.measurement && s.kind === "field" && s.name in p.fields,
      )) {
        const m = new RegExp(`[ ,]${e.name}=("(?:[^"\\\\]|\\\\.)*"|[^ ,]+)`).exec(line);
        assert.ok(m, `${e.name} in ${line}`);
        const v = m[1] as string;
        if (e.type === "int") assert.match(v, /^-?\d+i$/, `${p.measurement}.${e.name}`);
        if (e.type === "float") assert.match(v, /^-?[\d.]+(e[+-]?\d+)?$/, `${p.measurement}.${e.name}`);
        if (e.type === "string") assert.match(v, /^".*"$/, `${p.measurement}.${e.name}`);
      }
    }
  });

  it("host leaves out window averages that are not known yet; image_pull ok has no error field", () => {
    const h = hostPoint(
      {
        cpuTotal: 0.1,
        cpuOwner: 0.1,
        cpuPilots: 0,
        load1: 0,
        load5: 0,
        load15: 0,
        memAvailableBytes: 1,
        swapUsedBytes: 0,
      },
      T,
    );
    assert.ok(!("cpu_total_5m" in h.fields) && !("disk_free_ratio" in h.fields));
    const ok = imagePullPoint({ image: "busybox", ok: true, durationMs: 10 }, T);
    assert.deepEqual(ok.tags, { image: "busybox", result: "ok" });
    assert.deepEqual(Object.keys(ok.fields), ["duration_ms"]);
    const started = pilotEventPoint({ event: "started", name: "p", uptimeSeconds: 0 }, T);
    assert.deepEqual(started.tags, { event: "started", name: "p" });
  });

  it("seriesTable() is a Markdown table with one row per SERIES entry", () => {
    const table = seriesTable();
    const lines = table.trimEnd().split("\n");
    assert.equal(lines.length, SERIES.length + 2);
    assert.equal(lines[0], "| measurement | kind | name | type | unit | meaning |");
    for (const [i, s] of SERIES.entries())
      assert.ok(lines[i + 2]?.startsWith(`| ${s.measurement} | ${s.kind} | ${s.name} |`), lines[i + 2]);
  });
});

describe("toLine: line protocol through the client library's Point", () => {
  it("escapes through Point, flattens newlines, drops a trailing backslash of a tag, keeps ms", () => {
    const line = toLine(
      {
        measurement: "image_pull",
        tags: { image: "my image,v=1", result: "error" },
        fields: { duration_ms: 1, error: 'bad "x"\nnext line' },
        timeMs: T + 0.4,
      },
      { hostname: "h\\" },
    );
    assert.equal(
      line,
      'image_pull,hostname=h,image=my\\ image\\,v\\=1,result=error duration_ms=1,error="bad \\"x\\" next line" 1700000000123',
    );
  });

  it("leaves out non-finite numbers and refuses a point with nothing left", () => {
    assert.equal(
      toLine({ measurement: "tick", tags: {}, fields: { duration_ms: NaN, started: 2 }, timeMs: T }),
      "tick started=2i 1700000000123",
    );
    assert.throws(
      () => toLine({ measurement: "tick", tags: {}, fields: { duration_ms: Infinity }, timeMs: T }),
      /no field with a writable value/,
    );
    assert.throws(
      () => toLine({ measurement: "", tags: {}, fields: { a: 1 }, timeMs: T }),
      /without a measurement/,
    );
    assert.throws(() => toLine({ measurement: "m", tags: {}, fields: { a: 1 }, timeMs: NaN }), /timestamp/);
  });

  it("never changes a declared field's type (a string for a number is left out), unknown numbers are floats", () => {
    assert.equal(
      toLine({ measurement: "daemon", tags: {}, fields: { paused: "x", uptime: 1 }, timeMs: T }),
      "daemon uptime=1 1700000000123",
    );
    assert.equal(
      toLine({ measurement: "daemon", tags: {}, fields: { paused: 2.6 }, timeMs: T }),
      "daemon paused=3i 1700000000123",
    );
    assert.equal(
      toLine({ measurement: "custom", tags: {}, fields: { n: 3, b: true, s: "x" }, timeMs: T }),
      'custom b=T,n=3,s="x" 1700000000123',
    );
  });
});
