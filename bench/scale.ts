// Benchmark "scale" (issue 8): the daemon's tick wall time and Docker API calls per tick
// with 0, 50 and 200 sleeping pilots (`sleep 3600`, cpus_per_dock 0.01, 16 MiB), on the
// real engine; TICKS tickNow() calls each after WARMUP, median. The pilots are created
// directly with the instance's labels and adopted by the daemon, which runs at each level
// with max_docks = the level (a full host: nothing to start), on a fixed observation.
// Targets: calls per tick constant; tick(200) / tick(0) <= 1.5.
// Run: node --import tsx bench/scale.ts   (run.ts hands the 200 pilots on to footprint)
import os from "node:os";
import { performance } from "node:perf_hooks";
import { detectCgroupLayout, setupPilotParent } from "../src/host/index.js";
import { instanceLabels } from "../src/daemon/loop/labels.js";
import { createDockerEngine } from "../src/runtime/index.js";
import { FixedObserver } from "../test/helpers/fixed-observer.js";
import { startBenchDaemon } from "./support/bench-daemon.js";
import {
  docker,
  instanceContainers,
  launchPilots,
  removeInstance,
  requireDocker,
  type PilotShape,
} from "./support/docker.js";
import type { Figure } from "./support/figures.js";
import { benchMain, isMain, type BenchContext, type BenchOutput } from "./support/runner.js";
import { median } from "./support/stats.js";
import { sleep } from "./support/wait.js";

const LEVELS = [0, 50, 200];
const TICKS = Number(process.env.PLANCTON_BENCH_SCALE_TICKS ?? 20);
const WARMUP = 3;
const TARGET_RATIO = 1.5;

export const SLEEPING_PILOT = { cmd: ["sleep", "3600"], cpus: 0.01, memoryBytes: 16 * 2 ** 20 } as const;

export interface Level {
  pilots: number;
  wallMs: number[];
  daemonMs: number[];
  apiCalls: number[];
  /** The same listing the tick makes, alone (engine.listPilots with the instance's labels). */
  listMs: number[];
}

/** The idle-priority parent, as the daemon would set it up (footprint's daemon adopts these pilots). */
export async function pilotParent(): Promise<string | undefined> {
  const info = (await docker.info()) as { CgroupDriver?: string };
  return (
    await setupPilotParent({
      layout: detectCgroupLayout(),
      dockerCgroupDriver: info.CgroupDriver === "systemd" ? "systemd" : "cgroupfs",
      priority: "idle",
    })
  ).cgroupParent;
}

export async function benchScale(ctx: BenchContext): Promise<BenchOutput> {
  await requireDocker();
  const engine = createDockerEngine();
  const instance = `pb-scale-${ctx.runId}`;
  if (ctx.keepForNext) ctx.keepInstance(instance);
  else ctx.onCleanup(() => removeInstance(instance));
  const shape: PilotShape = {
    ...SLEEPING_PILOT,
    cmd: [...SLEEPING_PILOT.cmd],
    cgroupParent: await pilotParent(),
  };
  const observer = new FixedObserver({ ncpus: os.cpus().length, cpu_owner: 0, cpu_total: 0 });
  const levels: Level[] = [];
  const launchSeconds: number[] = [];
  for (const pilots of LEVELS) {
    const have = (await instanceContainers(instance)).length;
    const t0 = performance.now();
    await launchPilots(engine, instance, ctx.labels, pilots - have, shape);
    if (pilots > have) launchSeconds.push((performance.now() - t0) / 1000);
    const d = await startBenchDaemon(
      instance,
      {
        docker_cmd: shape.cmd,
        cpus_per_dock: shape.cpus,
        max_dock_mem: "16MiB",
        max_docks: pilots,
        main_sleep: 3600,
        max_ttl: 86400,
        pilot_cpu_priority: "normal",
      },
      { observer, engine },
    );
    const level: Level = { pilots, wallMs: [], daemonMs: [], apiCalls: [], listMs: [] };
    try {
      for (let i = 0; i < WARMUP + TICKS; i++) {
        const t = performance.now();
        await d.daemon.tickNow("bench");
        const wall = performance.now() - t;
        const tick = d.daemon.snapshot().lastTick;
        if (i >= WARMUP && tick) {
          level.wallMs.push(wall);
          level.daemonMs.push(tick.durationMs);
          level.apiCalls.push(tick.apiCalls);
        }
        await sleep(50);
      }
      for (let i = 0; i < WARMUP + TICKS; i++) {
        const t = performance.now();
        await engine.listPilots(instanceLabels(instance));
        if (i >= WARMUP) level.listMs.push(performance.now() - t);
        await sleep(20);
      }
      const seen = d.daemon.snapshot().pilots.length;
      if (seen !== pilots) throw new Error(`the daemon sees ${seen} pilots, expected ${pilots}`);
    } finally {
      await d.close();
    }
    levels.push(level);
    ctx.log(
      `${pilots} pilots: tick ${median(level.wallMs).toFixed(2)} ms (daemon's own ${median(level.daemonMs).toFixed(2)} ms), ${median(level.apiCalls)} API call(s); the listing alone ${median(level.listMs).toFixed(2)} ms`,
    );
  }
  const wall = levels.map((l) => median(l.wallMs));
  const list = levels.map((l) => median(l.listMs));
  const own = wall.map((w, i) => Math.max(0, w - list[i]!));
  const calls = levels.map((l) => [...new Set(l.apiCalls)]);
  const ratio = wall.at(-1)! / wall[0]!;
  const constant = calls.every((c) => c.length === 1) && new Set(calls.flat()).size === 1;
  const figures: Figure[] = [
    {
      id: "scale.tick_ms",
      figure: `scale: tick wall time, ${LEVELS.join(" / ")} pilots`,
      value: wall.at(-1)!,
      unit: "ms",
      display: `${wall.map((w) => w.toFixed(1)).join(" / ")} ms`,
      target: `tick(${LEVELS.at(-1)}) / tick(0) <= ${TARGET_RATIO}`,
      reference: `tick(0) = ${wall[0]!.toFixed(1)} ms`,
      ratio,
      pass: ratio <= TARGET_RATIO,
      note: `median of ${TICKS} tickNow() after ${WARMUP} warm-up, wall time around the call (listing, decision, act, status, metrics); the daemon's own durationMs: ${levels.map((l) => median(l.daemonMs).toFixed(1)).join(" / ")} ms`,
    },
    {
      id: "scale.api_calls",
      figure: `scale: Docker API calls per tick, ${LEVELS.join(" / ")} pilots`,
      value: Math.max(...calls.flat()),
      unit: "calls",
      display: calls.map((c) => c.join(",")).join(" / "),
      target: "constant",
      pass: constant,
      note: "from the engine's own request counter (lastTick.apiCalls)",
    },
    {
      id: "scale.list_ms",
      figure: `scale: of which Docker's listing (the 1 call), ${LEVELS.join(" / ")} pilots`,
      value: list.at(-1)!,
      unit: "ms",
      display: `${list.map((w) => w.toFixed(1)).join(" / ")} ms`,
      ratio: list.at(-1)! / list[0]!,
      note: `the same engine.listPilots() alone, median of ${TICKS}: dockerd's container listing and its JSON grow with the containers listed`,
    },
    {
      id: "scale.own_ms",
      figure: `scale: tick without the listing, ${LEVELS.join(" / ")} pilots`,
      value: own.at(-1)!,
      unit: "ms",
      display: `${own.map((w) => w.toFixed(1)).join(" / ")} ms`,
      ratio: own[0]! > 0 ? own.at(-1)! / own[0]! : null,
      note: "tick wall time minus the listing alone: the daemon's own work (decision, act, status, metrics)",
    },
  ];
  return {
    figures,
    details: { levels, launchSeconds },
    handoff: ctx.keepForNext ? { instance, pilots: LEVELS.at(-1), shape } : undefined,
  };
}

if (isMain(import.meta.url)) await benchMain("scale", benchScale);
