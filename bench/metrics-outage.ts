// Benchmark "metrics outage" (issue 8): the daemon writing to a real InfluxDB 1.x
// (Debian's influxd, started for the run), main_sleep 1 s, 5 sleeping pilots. Tick time
// with the target up (UP_S), then during an outage (influxd stopped for DOWN_S, then
// restarted), and the points lost once it is back (InfluxDB's own count vs what the
// daemon wrote). Ticks: the main_sleep ones plus a tickNow() every 250 ms, timed around
// the call (that includes handing the points to the metrics buffer).
// Targets: median tick time changes by <= 10 %; 0 points lost.
// Run: node --import tsx bench/metrics-outage.ts
import os from "node:os";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { createDockerEngine } from "../src/runtime/index.js";
import { FixedObserver } from "../test/helpers/fixed-observer.js";
import { startInfluxd } from "../test/helpers/influx-servers.js";
import { startBenchDaemon } from "./support/bench-daemon.js";
import { launchPilots, removeInstance, requireDocker } from "./support/docker.js";
import type { Figure } from "./support/figures.js";
import { benchMain, isMain, type BenchContext, type BenchOutput } from "./support/runner.js";
import { median, quantile, round } from "./support/stats.js";
import { poll, sleep } from "./support/wait.js";

const UP_S = Number(process.env.PLANCTON_BENCH_OUTAGE_UP_SECONDS ?? 30);
const DOWN_S = Number(process.env.PLANCTON_BENCH_OUTAGE_SECONDS ?? 30);
const PILOTS = 5;
const DB = "plancton_bench";
const TARGET_CHANGE = 0.1;

interface Phase {
  name: string;
  wallMs: number[];
  daemonMs: number[];
  loopDelayP99Ms: number;
}

export async function benchMetricsOutage(ctx: BenchContext): Promise<BenchOutput> {
  await requireDocker();
  const influx = await startInfluxd();
  ctx.onCleanup(() => influx.stop());
  const instance = `pb-outage-${ctx.runId}`;
  ctx.onCleanup(() => removeInstance(instance));
  const engine = createDockerEngine();
  await launchPilots(engine, instance, ctx.labels, PILOTS, {
    cmd: ["sleep", "3600"],
    cpus: 0.01,
    memoryBytes: 16 * 2 ** 20,
  });
  const observer = new FixedObserver({ ncpus: os.cpus().length, cpu_owner: 0.05, cpu_total: 0.06 });
  const config = {
    influxdb_url: `${influx.url}#${DB}`,
    main_sleep: 1,
    max_docks: PILOTS,
    docker_cmd: "sleep 3600",
    cpus_per_dock: 0.01,
    max_dock_mem: "16MiB",
    pilot_cpu_priority: "normal",
  };
  const d = await startBenchDaemon(instance, config, { observer, engine });
  ctx.onCleanup(() => d.close());

  // Every tick the daemon makes, to compare with what InfluxDB holds at the end.
  let lastTick = d.daemon.snapshot().lastTick;
  let ticks = lastTick ? 1 : 0;
  const counter = setInterval(() => {
    const t = d.daemon.snapshot().lastTick;
    if (t !== lastTick) {
      ticks++;
      lastTick = t;
    }
  }, 5);
  ctx.onCleanup(() => clearInterval(counter));

  const measure = async (name: string, seconds: number): Promise<Phase> => {
    const phase: Phase = { name, wallMs: [], daemonMs: [], loopDelayP99Ms: 0 };
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      const t = performance.now();
      await d.daemon.tickNow("bench");
      phase.wallMs.push(performance.now() - t);
      const tick = d.daemon.snapshot().lastTick;
      if (tick) phase.daemonMs.push(tick.durationMs);
      await sleep(250);
    }
    h.disable();
    phase.loopDelayP99Ms = h.percentile(99) / 1e6;
    ctx.log(
      `${name}: ${phase.wallMs.length} ticks, median ${median(phase.wallMs).toFixed(2)} ms (daemon's own ${median(phase.daemonMs).toFixed(2)} ms), event loop p99 ${phase.loopDelayP99Ms.toFixed(1)} ms`,
    );
    return phase;
  };

  await poll(
    "the first points in InfluxDB",
    () => (d.daemon.snapshot().metrics[0]?.delivered ?? 0) > 0,
    30_000,
    100,
  );
  await sleep(2000);
  const up = await measure("target up", UP_S);
  await influx.kill();
  const down = await measure("target down", DOWN_S);
  const bufferedAtEnd = d.daemon.snapshot().metrics[0]?.buffered ?? 0;
  await influx.restart();
  const recoveredAt = performance.now();
  await poll(
    "the buffered points to be delivered",
    () => (d.daemon.snapshot().metrics[0]?.buffered ?? 1) === 0,
    60_000,
    100,
  );
  const recoverySeconds = (performance.now() - recoveredAt) / 1000;
  // Freeze: no more ticks (main_sleep 1 h, same target: its sink and counters are kept),
  // then wait until everything written is delivered and the counters hold still.
  await d.writeConfig({ ...config, main_sleep: 3600 });
  await poll("the config reload", () => d.logged(/configuration reloaded/).length > 0, 10_000, 20);
  let previous = -1;
  await poll(
    "the metrics counters to settle",
    () => {
      const m = d.daemon.snapshot().metrics[0];
      const settled = m !== undefined && m.buffered === 0 && m.delivered === previous;
      previous = m?.delivered ?? -1;
      return settled;
    },
    30_000,
    1500,
  );
  clearInterval(counter);
  const stats = d.daemon.snapshot().metrics[0]!;
  await d.close();

  // What InfluxDB holds: per measurement, the count of its most frequent field = its points.
  const res = await influx.query(DB, "SELECT count(*) FROM /.*/");
  const stored: Record<string, number> = {};
  for (const s of res.results[0]?.series ?? [])
    stored[s.name] = Math.max(...(s.values[0]?.slice(1) as number[]).map(Number).filter(Number.isFinite));
  const storedTotal = Object.values(stored).reduce((a, b) => a + b, 0);
  const written = stats.delivered + stats.dropped + stats.buffered;
  const lost = written - storedTotal;
  const tickLost = ticks - (stored.tick ?? 0);

  const change = median(down.wallMs) / median(up.wallMs) - 1;
  const figures: Figure[] = [
    {
      id: "metrics_outage.tick_change",
      figure: `metrics outage: tick time, target up / ${DOWN_S} s down`,
      value: change * 100,
      unit: "%",
      display: `${median(up.wallMs).toFixed(2)} / ${median(down.wallMs).toFixed(2)} ms (${change >= 0 ? "+" : ""}${(change * 100).toFixed(1)} %)`,
      target: `change <= ${TARGET_CHANGE * 100} %`,
      reference: `target up: ${median(up.wallMs).toFixed(2)} ms`,
      ratio: median(down.wallMs) / median(up.wallMs),
      pass: change <= TARGET_CHANGE,
      note: `median of ${up.wallMs.length} / ${down.wallMs.length} ticks (tickNow every 250 ms beside main_sleep 1 s), ${PILOTS} pilots; daemon's own durationMs ${median(up.daemonMs).toFixed(2)} / ${median(down.daemonMs).toFixed(2)} ms; event loop delay p99 ${up.loopDelayP99Ms.toFixed(1)} / ${down.loopDelayP99Ms.toFixed(1)} ms; influxd stopped (SIGTERM), connection refused`,
    },
    {
      id: "metrics_outage.points_lost",
      figure: "metrics outage: points lost after recovery",
      value: lost,
      unit: "points",
      display: `${lost} of ${written}`,
      target: "0",
      reference: `${bufferedAtEnd} buffered at the end of the outage`,
      pass: lost === 0 && tickLost <= 0,
      note: `InfluxDB's count(*) per measurement after recovery (${recoverySeconds.toFixed(1)} s to drain the buffer) vs the sink's delivered+dropped+buffered (${stats.delivered}+${stats.dropped}+${stats.buffered}); tick points: ${ticks} ticks seen, ${stored.tick ?? 0} stored`,
    },
  ];
  return {
    figures,
    details: {
      upSeconds: UP_S,
      downSeconds: DOWN_S,
      pilots: PILOTS,
      stored,
      written,
      ticks,
      stats,
      recoverySeconds,
      bufferedAtEnd,
      phases: [up, down].map((p) => ({
        name: p.name,
        medianWallMs: round(median(p.wallMs)),
        p90WallMs: round(quantile(p.wallMs, 0.9)),
        medianDaemonMs: round(median(p.daemonMs)),
        loopDelayP99Ms: round(p.loopDelayP99Ms),
        n: p.wallMs.length,
      })),
    },
  };
}

if (isMain(import.meta.url)) await benchMain("metrics-outage", benchMetricsOutage);
