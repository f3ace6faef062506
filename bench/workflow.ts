// Workflow (issue 25): a 24-task Makeflow run by WorkQueue pilots of the real daemon,
// against the same Makeflow run by two work_queue_worker processes started by hand on the
// host, under the same owner load, interleaved (ROUNDS rounds, the side that goes first
// alternating). Each task hashes `task-<i>\n` repeated (sha256, PASSES passes of MB MiB,
// about 2-4 s of one core); every output is checked against the digest computed here.
// Hand workers: --cores 1, each in its own cgroup of 1 CPU (CFS quota, as cpus_per_dock 1)
// under an idle-priority parent (cpu.idle, as the daemon's), no memory limit.
// Pilots: the daemon (in this process, real Docker engine, the default profile) runs at
// most 2 pilots of 1 CPU at pilot_cpu_priority idle, network_mode host, image built here
// (bench/support/wq-image.ts); it holds still (drain) until makeflow starts, like the hand
// workers that are started then. A worker exits after WORKER_IDLE_S without work (the daemon
// replaces it). Makespan: makeflow's start to its exit. Owner load: a seeded trace of 0 to
// ncpus-1 busy loops in 5 s steps, the same on both sides (PLANCTON_BENCH_WORKFLOW_LOAD=none:
// none). Target: pilots <= 1.1x hand workers (1.27x was measured quiet), 24/24 outputs right.
// makeflow has no option to listen on 127.0.0.1 only: it listens on every address, on a
// random free port, and admits only workers with the run's password (--password / -P).
// Run: node --import tsx bench/workflow.ts   (PLANCTON_BENCH_WORKFLOW_ROUNDS, default 2)
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { seededRandom } from "../test/helpers/policy-sim.js";
import { startBenchDaemon } from "./support/bench-daemon.js";
import { idleParent } from "./support/busy-pilots.js";
import { removeInstance, requireDocker } from "./support/docker.js";
import { EventLog } from "./support/events.js";
import type { Figure } from "./support/figures.js";
import { startBusyLoad } from "./support/owner-load.js";
import { benchProfile } from "./support/profile.js";
import { benchMain, isMain, type BenchContext, type BenchOutput } from "./support/runner.js";
import { median, round } from "./support/stats.js";
import { freePort } from "./support/tools.js";
import { poll, sleep } from "./support/wait.js";
import * as wq from "./support/wq-image.js";
import { children, handCgroup, killGroup, outputTail, startGroup } from "./support/wq-image.js";

const env = (k: string, d: string) => process.env[`PLANCTON_BENCH_WORKFLOW_${k}`] ?? d;
const ROUNDS = Number(env("ROUNDS", "2"));
const WORK: wq.Workload = {
  tasks: 24,
  bytes: Number(env("MB", "64")) * 2 ** 20,
  passes: Number(env("PASSES", "15")),
};
const LOAD = env("LOAD", "trace") === "none" ? "none" : "trace";
const TARGET = 1.1;
const STEP_S = 5;
const WORKER_IDLE_S = 30;
const MAKEFLOW_TIMEOUT_MS = 600_000;
const profile = benchProfile();

/** Busy loops per step: 0 to ncpus-1 (the owner never takes every core), seeded. */
function ownerSteps(): number[] {
  const rnd = seededRandom(2424);
  const ncpus = os.availableParallelism();
  return Array.from({ length: 240 }, () => (LOAD === "none" ? 0 : Math.floor(rnd() * ncpus)));
}

/** Plays the owner's trace from its first step until the returned stop is called. */
function playOwner(steps: readonly number[]): () => Promise<void> {
  const ac = new AbortController();
  const played = (async () => {
    for (let i = 0; !ac.signal.aborted; i++) {
      const n = steps[i % steps.length]!;
      const load = n > 0 ? startBusyLoad(n) : undefined;
      await sleep(STEP_S * 1000, undefined, { signal: ac.signal }).catch(() => undefined);
      await load?.stop();
    }
  })();
  return async () => {
    ac.abort();
    await played;
  };
}

interface Manager {
  readonly port: number;
  readonly dir: string;
  readonly password: string;
}

/** Runs makeflow in `m.dir` to its end (or the timeout); its wall time and how it ended. */
async function runMakeflow(m: Manager, onStarted: () => unknown): Promise<{ ms: number; end: string }> {
  const args = ["-T", "wq", "-p", String(m.port), "--password", m.password, "Makeflow"];
  const t0 = performance.now();
  const c = startGroup("makeflow", args, m.dir);
  let timedOut = false;
  const ended = new Promise<string>((resolve) => {
    c.once("error", (e) => resolve(`could not start: ${e.message}`));
    c.once("exit", (code, sig) =>
      resolve(code === 0 ? "ok" : `${timedOut ? "timed out, " : ""}exit ${code ?? sig}: ${outputTail(c)}`),
    );
  });
  const timer = setTimeout(() => {
    timedOut = true;
    void killGroup(c);
  }, MAKEFLOW_TIMEOUT_MS);
  try {
    await onStarted();
  } catch (err) {
    clearTimeout(timer);
    await killGroup(c);
    throw err;
  }
  const end = await ended;
  clearTimeout(timer);
  return { ms: performance.now() - t0, end };
}

/** A fresh directory with the Makeflow file, task.sh and a password on a free port. */
async function newManager(pwFile: string): Promise<Manager> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "plancton-bench-makeflow-"));
  await writeFile(path.join(dir, "Makeflow"), wq.makeflowText(WORK));
  await writeFile(path.join(dir, "task.sh"), wq.TASK_SCRIPT, { mode: 0o755 });
  return { port: await freePort(), dir, password: pwFile };
}

function workerArgs(port: number, pwFile: string, workdir: string): string[] {
  const opts = ["-P", pwFile, "--cores", "1", "-t", String(WORKER_IDLE_S), "-s", workdir];
  return [...opts, "127.0.0.1", String(port)];
}

interface Run {
  seconds: number;
  right: number;
  end: string;
  loadBefore: number;
  loadAfter: number;
  pilotsStarted?: number;
}

async function handRun(ctx: BenchContext, m: Manager, r: number): Promise<Run> {
  const parent = (await idleParent()).cgroupParent!.replace(/^\//, "");
  const groups = [0, 1].map((i) => handCgroup(`wq-${ctx.runId}-${r}-hand${i}`, parent));
  ctx.onCleanup(() => Promise.all(groups.map((g) => g.remove())));
  const workers: ChildProcess[] = [];
  const loadBefore = os.loadavg()[0]!;
  const stopOwner = playOwner(ownerSteps());
  try {
    const mf = await runMakeflow(m, () => {
      for (const g of groups) {
        const argv = [wq.WORKER, ...workerArgs(m.port, m.password, m.dir)].join(" ");
        workers.push(startGroup("/bin/sh", ["-c", `echo $$ > ${g.dir}/cgroup.procs && exec ${argv}`]));
      }
    });
    return { seconds: mf.ms / 1000, right: 0, end: mf.end, loadBefore, loadAfter: os.loadavg()[0]! };
  } finally {
    await stopOwner();
    await Promise.all(workers.map(killGroup));
    await Promise.all(groups.map((g) => g.remove()));
  }
}

async function pilotRun(ctx: BenchContext, m: Manager, r: number, image: string): Promise<Run> {
  const instance = `pb-wf-${ctx.runId}-${r}`;
  ctx.onCleanup(() => removeInstance(instance));
  const events = new EventLog(instance);
  ctx.onCleanup(() => events.close());
  await events.ready();
  const pwDir = path.dirname(m.password);
  const d = await startBenchDaemon(
    instance,
    {
      docker_image: image,
      docker_cmd: [wq.WORKER, ...workerArgs(m.port, "/wq/password", "/tmp")],
      binds: [`${pwDir}:/wq:ro`],
      network_mode: "host",
      cpus_per_dock: 1,
      max_docks: 2,
      docks_per_loop: 2,
      max_dock_mem: "512MiB",
      pilot_cpu_priority: "idle",
      main_sleep: 5,
      sample_interval: 2,
      grace_spawn: 0,
      ...profile.config,
    },
    { drain: true },
  );
  ctx.onCleanup(() => d.close());
  try {
    await poll("the WQ image to be usable (local copy)", () => d.daemon.snapshot().image.usable, 60_000, 200);
    const loadBefore = os.loadavg()[0]!;
    const stopOwner = playOwner(ownerSteps());
    const wall0 = Date.now();
    const mf = await runMakeflow(m, () => unlink(path.join(d.rundir, "drain"))).finally(stopOwner);
    const started = events.since(wall0, ["start"]).length;
    return {
      seconds: mf.ms / 1000,
      right: 0,
      end: mf.end,
      loadBefore,
      loadAfter: os.loadavg()[0]!,
      pilotsStarted: started,
    };
  } finally {
    await d.close();
    events.close();
    await removeInstance(instance);
  }
}

export async function benchWorkflow(ctx: BenchContext): Promise<BenchOutput> {
  await requireDocker();
  const image = `plancton-bench/wq:${ctx.runId}`;
  ctx.onCleanup(() => wq.removeWqImage(image));
  ctx.onCleanup(() => Promise.all([...children].map(killGroup)));
  const carried = await wq.buildWqImage(image);
  ctx.log(`built ${image}: busybox + ${carried.length} host files`);
  const expected = wq.expectedDigests(WORK);
  const pwDir = await mkdtemp(path.join(os.tmpdir(), "plancton-bench-wq-pw-"));
  ctx.onCleanup(() => rm(pwDir, { recursive: true, force: true }));
  const pwFile = path.join(pwDir, "password");
  await writeFile(pwFile, randomBytes(16).toString("hex"), { mode: 0o644 });
  const runs: { round: number; side: "hand" | "pilots"; run: Run }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? (["hand", "pilots"] as const) : (["pilots", "hand"] as const);
    for (const side of order) {
      const m = await newManager(pwFile);
      try {
        const run = side === "hand" ? await handRun(ctx, m, r) : await pilotRun(ctx, m, r, image);
        run.right = await wq.outputsRight(m.dir, expected);
        runs.push({ round: r + 1, side, run });
        ctx.log(
          `round ${r + 1}/${ROUNDS} ${side}: ${round(run.seconds, 1)} s, ${run.right}/${WORK.tasks} right, ` +
            `${run.end}${run.pilotsStarted !== undefined ? `, ${run.pilotsStarted} pilots started` : ""}; ` +
            `load ${round(run.loadBefore, 2)} -> ${round(run.loadAfter, 2)}`,
        );
      } finally {
        await rm(m.dir, { recursive: true, force: true });
      }
    }
  }
  const of = (side: string) => runs.filter((x) => x.side === side).map((x) => x.run);
  const hand = median(of("hand").map((x) => x.seconds));
  const pilots = median(of("pilots").map((x) => x.seconds));
  const ratio = pilots / hand;
  const allRight = runs.every((x) => x.run.right === WORK.tasks && x.run.end === "ok");
  const rightText = (side: string) =>
    of(side)
      .map((x) => `${x.right}/${WORK.tasks}`)
      .join(", ");
  const loads = runs
    .map((x) => `r${x.round} ${x.side} ${round(x.run.loadBefore, 2)}->${round(x.run.loadAfter, 2)}`)
    .join("; ");
  const ownerNote =
    LOAD === "none"
      ? "no owner load"
      : `owner load: seeded trace of 0-${os.availableParallelism() - 1} busy loops, ${STEP_S} s steps`;
  const figures: Figure[] = [
    {
      id: "workflow.makeflow_ratio",
      figure: `makeflow ${WORK.tasks} tasks: 2 WorkQueue pilots of the daemon / 2 hand-started workers`,
      value: pilots,
      unit: "s",
      display: `${round(pilots, 1)} s`,
      target: `<= ${TARGET}x`,
      reference: `2 hand workers: ${round(hand, 1)} s (1.27x measured quiet, quoted)`,
      ratio,
      pass: ratio <= TARGET && allRight,
      note:
        `median of ${ROUNDS} interleaved round(s); outputs right: pilots ${rightText("pilots")}, ` +
        `hand ${rightText("hand")}; ${ownerNote}; load average before->after: ${loads}`,
    },
  ];
  return {
    figures,
    notes: [
      `each task ${WORK.passes} x sha256 of ${WORK.bytes / 2 ** 20} MiB; ${profile.name} policy; ` +
        `pilots started per run: ${of("pilots")
          .map((x) => x.pilotsStarted)
          .join(", ")}`,
    ],
    details: { work: WORK, load: LOAD, rounds: ROUNDS, runs, image, carried },
  };
}

if (isMain(import.meta.url)) await benchMain("workflow", benchWorkflow);
