// Points buffered while the InfluxDB target is down survive a clean stop: the daemon keeps
// them in its run dir (metrics-unsent) and sends them after its next start, then removes
// the file. A real influxd 1.x on 127.0.0.1, stopped and started by the test.
import assert from "node:assert/strict";
import { lstat, readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { SPOOL_FILE } from "../../src/daemon/report/metrics-spool.js";
import { startDaemon, type Harness } from "../helpers/daemon-harness.js";
import { TEST_IMAGE } from "../helpers/docker.js";
import { FixedObserver } from "../helpers/fixed-observer.js";
import { startInfluxd, type InfluxdHandle } from "../helpers/influx-servers.js";
import { MemoryEngine } from "../helpers/memory-engine.js";
import { waitFor } from "../helpers/wait.js";

const DB = "carry";
let influx: InfluxdHandle;
let h: Harness | undefined;

before(async () => {
  influx = await startInfluxd();
});

after(async () => {
  await h?.cleanup();
  await influx?.stop();
});

/** The timestamps (ms) of the `tick` lines among line-protocol lines (ms precision). */
const tickTimes = (lines: string[]) =>
  lines.filter((l) => l.startsWith("tick,")).map((l) => Number(l.slice(l.lastIndexOf(" ") + 1)));

test(
  "points written while the target is down, a clean stop, the target up, a start: they arrive",
  {
    timeout: 120_000,
  },
  async () => {
    const engine = () => new MemoryEngine({ images: [TEST_IMAGE] });
    await influx.kill(); // down before the daemon's first point
    h = await startDaemon("carry", `influxdb_url: "${influx.url}#${DB}"\nmain_sleep: 1\nmax_docks: 0\n`, {
      engine: engine(),
      observer: new FixedObserver(),
    });
    await waitFor(
      "points buffered for the down target",
      () => (h!.daemon.snapshot().metrics[0]?.buffered ?? 0) >= 3,
    );
    // The sinks' timers do not keep a process alive (the daemon's status socket does): this test's does.
    const alive = setInterval(() => undefined, 1000);
    await h.stopDaemon().finally(() => clearInterval(alive));

    const file = path.join(h.rundir, SPOOL_FILE);
    const kept = JSON.parse(await readFile(file, "utf8")) as { v: number; targets: Record<string, string[]> };
    const lines = Object.values(kept.targets).flat();
    const times = tickTimes(lines);
    assert.ok(times.length >= 1, `the stop kept the tick points: ${lines.join("\n")}`);
    assert.equal(((await lstat(file)).mode & 0o777).toString(8), "600");

    await influx.restart();
    await h.restart({ engine: engine() });
    await waitFor(
      "every kept tick point in influxd",
      async () => {
        const res = await influx.query(DB, 'SELECT "duration_ms" FROM "tick"');
        const stored = new Set((res.results[0]?.series?.[0]?.values ?? []).map((v) => v[0] as number));
        return times.every((t) => stored.has(t));
      },
      60_000,
      500,
    );
    await assert.rejects(lstat(file), "the file is removed once its points are queued");
  },
);
