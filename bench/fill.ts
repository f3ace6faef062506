// Benchmark "fill" (issue 8): an empty host to 20 running pilots by the daemon, vs a shell
// loop of `docker run -d` for the same 20 containers, in the same run, alternating,
// median of ROUNDS rounds each. Target: daemon / shell loop <= 0.5.
// The daemon (in this process, real Docker engine) holds still with the `drain` control
// file, on a fixed observation that lets 20 fit (max_docks 20, docks_per_loop 20,
// launch_concurrency 8, cpus_per_dock 0.05). Timed from the removal of the drain file
// (what `planctonctl resume` does) to Docker's 20th "start" event of the instance.
// Run: node --import tsx bench/fill.ts
import { execFile } from "node:child_process";
import { unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { LABEL_INSTANCE, LABEL_MANAGED } from "../src/daemon/loop/labels.js";
import { FixedObserver } from "../test/helpers/fixed-observer.js";
import { startBenchDaemon } from "./support/bench-daemon.js";
import { IMAGE, LABEL_BENCH, removeInstance, requireDocker } from "./support/docker.js";
import { EventLog } from "./support/events.js";
import type { Figure } from "./support/figures.js";
import { benchMain, isMain, type BenchContext, type BenchOutput } from "./support/runner.js";
import { median, round } from "./support/stats.js";
import { poll } from "./support/wait.js";

const run = promisify(execFile);
const PILOTS = 20;
const ROUNDS = Number(process.env.PLANCTON_BENCH_FILL_ROUNDS ?? 3);
const CONCURRENCY = 8;
const TARGET = 0.5;

/** The daemon's containers, made by the docker CLI one after the other (another instance label: the daemon ignores them). */
function shellLoop(count: number, instance: string, benchLabel: string, tag: string): Promise<unknown> {
  const script =
    `for i in $(seq 1 ${count}); do docker run -d --name "${instance}-${tag}-$i" --label ${LABEL_MANAGED}=true --label ${LABEL_INSTANCE}=${instance} --label "${benchLabel}" ` +
    `--hostname "plancton-bench-$i" --cpu-period 100000 --cpu-quota 5000 --memory 32m --memory-swap 32m --user 0:0 --network bridge ${IMAGE} sleep 600 >/dev/null || exit 1; done`;
  return run("bash", ["-c", script], { timeout: 300_000 });
}

export async function benchFill(ctx: BenchContext): Promise<BenchOutput> {
  await requireDocker();
  const instance = `pb-fill-${ctx.runId}`;
  const shellInstance = `pb-fillsh-${ctx.runId}`;
  const benchLabel = `${LABEL_BENCH}=${ctx.runId}`;
  ctx.onCleanup(() => removeInstance(instance));
  ctx.onCleanup(() => removeInstance(shellInstance));
  const events = new EventLog(instance);
  ctx.onCleanup(() => events.close());
  await events.ready();

  const observer = new FixedObserver({ ncpus: os.cpus().length, cpu_owner: 0, cpu_total: 0 });
  const d = await startBenchDaemon(
    instance,
    {
      docker_cmd: "sleep 600",
      cpus_per_dock: 0.05,
      max_docks: PILOTS,
      docks_per_loop: PILOTS,
      launch_concurrency: CONCURRENCY,
      max_dock_mem: "32MiB",
      main_sleep: 3600,
      grace_spawn: 0,
      pilot_cpu_priority: "normal",
    },
    { observer, drain: true },
  );
  ctx.onCleanup(() => d.close());
  const drainFile = path.join(d.rundir, "drain");
  await poll(
    "the image to be usable (its pull fails offline, the local copy is used)",
    () => d.daemon.snapshot().image.usable,
    30_000,
  );

  // Warm both paths once (CLI binary, image layers, connection), untimed.
  await shellLoop(1, shellInstance, benchLabel, "warm");
  await removeInstance(shellInstance);

  const shellMs: number[] = [];
  const daemonMs: number[] = [];
  const ticks: { durationMs: number; apiCalls: number; cause: string }[] = [];
  for (let round_ = 0; round_ < ROUNDS; round_++) {
    const t0 = performance.now();
    await shellLoop(PILOTS, shellInstance, benchLabel, `r${round_}`);
    shellMs.push(performance.now() - t0);
    await removeInstance(shellInstance);

    const wall0 = Date.now();
    await unlink(drainFile);
    const last = await events.nth(wall0, ["start"], PILOTS, 60_000);
    daemonMs.push(last.timeMs - wall0);
    const tick = d.daemon.snapshot().lastTick;
    if (tick) ticks.push({ durationMs: tick.durationMs, apiCalls: tick.apiCalls, cause: tick.cause });
    // Hold again, then empty the host.
    await writeFile(drainFile, "");
    await poll("the daemon to drain", () => d.daemon.snapshot().mode === "draining", 10_000);
    await removeInstance(instance);
    await poll("the daemon to see the host empty", () => d.daemon.snapshot().pilots.length === 0, 10_000);
    ctx.log(
      `round ${round_ + 1}/${ROUNDS}: shell loop ${shellMs.at(-1)!.toFixed(0)} ms, daemon ${daemonMs.at(-1)!.toFixed(0)} ms`,
    );
  }
  await d.close();

  const shell = median(shellMs);
  const daemon = median(daemonMs);
  const ratio = daemon / shell;
  const figures: Figure[] = [
    {
      id: "fill.ratio",
      figure: `fill: empty host -> ${PILOTS} running pilots (daemon)`,
      value: daemon / 1000,
      unit: "s",
      display: `${(daemon / 1000).toFixed(2)} s`,
      target: `<= ${TARGET}x the shell loop`,
      reference: `shell loop of docker run -d: ${(shell / 1000).toFixed(2)} s`,
      ratio,
      pass: ratio <= TARGET,
      note: `median of ${ROUNDS} alternating rounds; from \`resume\` (drain file removed) to Docker's ${PILOTS}th start event; launch_concurrency ${CONCURRENCY}`,
    },
  ];
  return {
    figures,
    details: {
      pilots: PILOTS,
      rounds: ROUNDS,
      concurrency: CONCURRENCY,
      shellMs: shellMs.map((x) => round(x, 0)),
      daemonMs: daemonMs.map((x) => round(x, 0)),
      fillingTicks: ticks,
    },
  };
}

if (isMain(import.meta.url)) await benchMain("fill", benchFill);
