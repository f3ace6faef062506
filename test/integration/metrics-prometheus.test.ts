// metrics_listen on the real daemon and the real engine: /metrics scraped over HTTP
// carries the figures of the InfluxDB series (pilots, the owner's CPU, status, events),
// on loopback; a remote config cannot open it on another address.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { formatStatus } from "../../src/cli/format.js";
import type { HostInfo } from "../../src/host/index.js";
import { logged, startDaemon, type Harness } from "../helpers/daemon-harness.js";
import { containersOf, requireDocker } from "../helpers/docker.js";
import { startFaultServer, type FaultServer } from "../helpers/fault-http-server.js";
import { FixedObserver } from "../helpers/fixed-observer.js";
import { freePort } from "../helpers/free-port.js";
import { waitFor } from "../helpers/wait.js";

before(requireDocker);

const HOST: HostInfo = {
  cpuModel: "Test CPU 9000",
  cpuCores: 4,
  physicalCores: 2,
  memTotalBytes: 8 * 2 ** 30,
  os: "Debian GNU/Linux 12",
  kernel: "6.1.0-test",
  arch: "x64",
  dockerRoot: { path: "/var/lib/docker", mount: "/", fsType: "ext4", device: "/dev/vda", sizeBytes: 1e11 },
};
class ObserverWithHost extends FixedObserver {
  hostInfo(): HostInfo {
    return HOST;
  }
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, enough for these checks: `name{a="x",b="y"} value`. */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, "$1");
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return parse(await res.text());
}

const one = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe("metrics_listen serves /metrics", () => {
  let h: Harness;
  const observer = new ObserverWithHost({
    cpu_owner: 0.25,
    cpu_total: 0.4,
    cpu_pilots: 0.15,
    cpu_owner_5m: 0.2,
    load1: 1.5,
  });
  before(async () => {
    h = await startDaemon(
      "prom",
      'metrics_listen: "127.0.0.1:0"\nmax_docks: 2\ncpus_per_dock: 0.05\nmain_sleep: 1\ngrace_spawn: 0\ndocker_cmd: ["sleep", "600"]\n',
      { observer },
    );
  });
  after(() => h.cleanup());

  test("on loopback, with the pilots, the owner's CPU, the status and the events of the InfluxDB series", async () => {
    const url = await waitFor(
      "the endpoint's URL in status",
      () => h.daemon.snapshot().prometheus?.url,
      10_000,
    );
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    assert.notEqual(new URL(url).port, "0", "the port really bound");
    await waitFor(
      "2 running pilots",
      async () => (await containersOf(h.instance)).filter((c) => c.State === "running").length === 2,
      60_000,
    );
    const s = await waitFor(
      "2 pilots in /metrics",
      async () => {
        const got = await scrape(url);
        return one(got, "plancton_daemon_containers")[0]?.value === 2 ? got : undefined;
      },
      30_000,
      250,
    );
    const containers = one(s, "plancton_daemon_containers")[0]!;
    assert.equal(containers.labels.hostname, h.daemon.snapshot().hostname);
    assert.equal(
      containers.labels.cpu_model,
      "Test CPU 9000",
      "the host facts as labels, as the InfluxDB tags",
    );
    assert.equal(containers.labels.docker_fs, "ext4");
    assert.equal(one(s, "plancton_daemon_cpu_cores")[0]?.value, 4);
    assert.equal(one(s, "plancton_host_cpu_owner")[0]?.value, 0.25);
    assert.equal(one(s, "plancton_host_cpu_total")[0]?.value, 0.4);
    assert.equal(one(s, "plancton_host_cpu_owner_5m")[0]?.value, 0.2);
    assert.equal(one(s, "plancton_host_load1")[0]?.value, 1.5);
    assert.equal(one(s, "plancton_measurement_cpu_eff")[0]?.value, 40, "the original's cpu_eff, in percent");
    assert.deepEqual(
      one(s, "plancton_daemon_status").map((x) => [x.labels.status, x.value]),
      [["active", 1]],
    );
    assert.ok((one(s, "plancton_daemon_uptime_seconds")[0]?.value ?? -1) >= 0);
    assert.ok(
      (one(s, "plancton_pilot_event_total", { event: "started" })[0]?.value ?? 0) >= 2,
      "each start counted",
    );
    assert.ok(one(s, "plancton_tick_duration_ms").length === 1);

    // The owner takes the CPU back: the next loops' figures show it.
    observer.set({ cpu_owner: 0.9, cpu_owner_5m: 0.9 });
    await h.daemon.tickNow("test");
    assert.equal(one(await scrape(url), "plancton_host_cpu_owner")[0]?.value, 0.9);

    const other = await fetch(url.replace("/metrics", "/other"), { signal: AbortSignal.timeout(10_000) });
    assert.equal(other.status, 404);
    const status = formatStatus(h.daemon.snapshot());
    assert.match(status, new RegExp(`^metrics: +Prometheus ${url.replace(/[.]/g, "\\.")}$`, "m"));
    assert.match(
      status,
      /^machine: +Test CPU 9000 \(4 CPUs, 2 cores\), 8 GiB RAM, Debian GNU\/Linux 12, kernel 6\.1\.0-test x64, Docker data root \/var\/lib\/docker on ext4 \(\/dev\/vda\)$/m,
    );
  });

  test("a live edit moves the endpoint; metrics_listen: null closes it; so does a stop", async () => {
    const first = h.daemon.snapshot().prometheus!.url!;
    const text = await readFile(h.configFile, "utf8");
    await writeFile(h.configFile, text.replace(/^metrics_listen: .*$/m, 'metrics_listen: ":0"'));
    const moved = await waitFor(
      "a new endpoint",
      () => {
        const u = h.daemon.snapshot().prometheus?.url;
        return u !== undefined && u !== first ? u : undefined;
      },
      30_000,
    );
    await assert.rejects(fetch(first, { signal: AbortSignal.timeout(10_000) }), "the old port is closed");
    // A new endpoint has the figures from the next loop on (main_sleep: 1 here).
    await waitFor(
      "the gauges on the new endpoint",
      async () => one(await scrape(moved), "plancton_daemon_containers")[0]?.value === 2,
      30_000,
      250,
    );
    await writeFile(h.configFile, text.replace(/^metrics_listen: .*$/m, "metrics_listen: null"));
    await waitFor("no endpoint", () => h.daemon.snapshot().prometheus === undefined, 30_000);
    await assert.rejects(fetch(moved, { signal: AbortSignal.timeout(10_000) }));
    await writeFile(h.configFile, text);
    const again = await waitFor("the endpoint back", () => h.daemon.snapshot().prometheus?.url, 30_000);
    await h.stopDaemon();
    await assert.rejects(fetch(again, { signal: AbortSignal.timeout(10_000) }));
  });
});

describe("a remote config cannot open the port", () => {
  let h: Harness;
  let server: FaultServer;
  let port: number;
  before(async () => {
    port = await freePort();
    server = await startFaultServer({
      kind: "ok",
      body: `max_docks: 0\nmetrics_listen: "0.0.0.0:${port}"\n`,
      etag: '"v1"',
    });
    // Even a local file that accepts remote privileges does not let a remote set it.
    h = await startDaemon(
      "promremote",
      `config_url: ${server.url("/c.yaml")}\nallow_insecure_http: true\nallow_remote_privileges: true\nconfig_url_every: 1\nmax_docks: 0\n`,
      { observer: new FixedObserver() },
    );
  });
  after(async () => {
    await h.cleanup();
    await server.stop();
  });

  test("a non-loopback metrics_listen from config_url is refused, with a message, and nothing listens", async () => {
    await waitFor(
      "the refusal logged",
      () => logged(h, /metrics_listen: only the local config\.yaml may set this key/).length >= 1,
      30_000,
    );
    assert.equal(h.daemon.snapshot().prometheus, undefined);
    assert.notEqual(h.daemon.snapshot().configSources?.metrics_listen, "remote");
    await assert.rejects(connect(port), /ECONNREFUSED/);
  });
});

function connect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    sock.setTimeout(10_000, () => sock.destroy(new Error("timeout")));
    sock.once("connect", () => {
      sock.destroy();
      resolve();
    });
    sock.once("error", reject);
  });
}
