// Benchmark "footprint" (issue 8): the daemon as its own process (`planctonctl nodaemon`,
// the built CLI, as systemd runs it) with 0 and with 200 pilots (sleeping busybox),
// sample_interval 2 s, main_sleep 30 s: RSS (VmRSS, max over the window) and CPU share
// (utime + stime of the process, delta over WINDOW_S). Targets: RSS <= 80 MB, CPU <= 1 %
// of one core. Both daemons are measured over the same window, side by side (each its own
// process; the machine has 2 cores and they are tiny).
// Run: npm run build && node --import tsx bench/footprint.ts
// (bench/run.ts hands it scale's 200 pilots; alone it makes its own.)
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDockerEngine } from "../src/runtime/index.js";
import { configText } from "./support/bench-daemon.js";
import {
  instanceContainers,
  launchPilots,
  removeInstance,
  requireDocker,
  type PilotShape,
} from "./support/docker.js";
import type { Figure } from "./support/figures.js";
import { benchMain, isMain, type BenchContext, type BenchOutput } from "./support/runner.js";
import { poll, sleep } from "./support/wait.js";
import { pilotParent, SLEEPING_PILOT } from "./scale.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CLI = path.join(ROOT, "bin", "planctonctl");
const BUILT = path.join(ROOT, "dist", "src", "cli", "planctonctl.js");
const WINDOW_S = Number(process.env.PLANCTON_BENCH_FOOTPRINT_SECONDS ?? 60);
const WARMUP_S = 5;
/** PLANCTON_BENCH_FOOTPRINT_PILOTS: the quiet-machine suite measures 20 (issue 25's target). */
const PILOTS = Number(process.env.PLANCTON_BENCH_FOOTPRINT_PILOTS ?? 200);
/** PLANCTON_BENCH_FOOTPRINT_WATCH: watch_interval (s) for both daemons; the default's if unset. */
const WATCH = process.env.PLANCTON_BENCH_FOOTPRINT_WATCH;
const RSS_TARGET_MB = 80;
const CPU_TARGET_PERCENT = 1;

interface Measured {
  pilots: number;
  pid: number;
  rssMaxMB: number;
  rssSamplesMB: number[];
  /** At the maximum RSS: its anonymous (the daemon's own) and file-backed (node's binary, shared) parts, and PSS. */
  anonMB: number;
  fileMB: number;
  pssMB: number;
  cpuPercent: number;
  cpuSeconds: number;
  windowSeconds: number;
  pilotsSeen?: number;
}

interface Running {
  pilots: number;
  child: ChildProcess;
  dir: string;
  exited: Promise<number | null>;
}

const clkTck = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime + cutime + cstime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from 3 (state) on
  const at = (n: number) => Number(fields[n - 3]);
  return (at(14) + at(15) + at(16) + at(17)) / clkTck;
}

/** VmRSS, and its anonymous and file-backed parts, and PSS (shared pages divided among their users), in MiB. */
function memory(pid: number): { rss: number; anon: number; file: number; pss: number } {
  const kb = (text: string, key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text);
    return m ? Number(m[1]) / 1024 : NaN;
  };
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  let pss = NaN;
  try {
    pss = kb(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"), "Pss");
  } catch {
    // no smaps_rollup (old kernel)
  }
  return { rss: kb(status, "VmRSS"), anon: kb(status, "RssAnon"), file: kb(status, "RssFile"), pss };
}

/** Newest modification time of the .ts/.js files under a folder (for a stale-build warning). */
function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    if (name.endsWith(".ts") || name.endsWith(".js")) t = Math.max(t, statSync(path.join(dir, name)).mtimeMs);
  }
  return t;
}

/** VmRSS (MiB) of a node process that does nothing: the floor of any Node.js daemon. */
async function bareNodeRss(): Promise<number> {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 5000)"], { stdio: "ignore" });
  await sleep(1000);
  const rss = memory(child.pid!).rss;
  child.kill("SIGKILL");
  return rss;
}

async function startDaemonProcess(
  ctx: BenchContext,
  instance: string,
  pilots: number,
  config: Record<string, unknown>,
): Promise<Running> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `plancton-bench-foot${pilots}-`));
  const configFile = path.join(dir, "config.yaml");
  await writeFile(configFile, configText(instance, config));
  const stderr = openSync(path.join(dir, "stderr.log"), "w");
  const child = spawn(
    process.execPath,
    [
      CLI,
      "nodaemon",
      "--config",
      configFile,
      "--rundir",
      path.join(dir, "run"),
      "--logdir",
      path.join(dir, "log"),
      "--pidfile",
      path.join(dir, "run", "plancton.pid"),
    ],
    {
      stdio: ["ignore", "ignore", stderr],
    },
  );
  closeSync(stderr);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const running: Running = { pilots, child, dir, exited };
  ctx.onCleanup(() => stopDaemonProcess(running));
  await poll(
    `planctonctl nodaemon (${pilots} pilots) to start`,
    () => {
      if (child.exitCode !== null)
        throw new Error(
          `planctonctl nodaemon exited with ${child.exitCode}: ${readFileSync(path.join(dir, "stderr.log"), "utf8").slice(-2000)}`,
        );
      return existsSync(path.join(dir, "run", "plancton.pid"));
    },
    30_000,
    100,
  );
  return running;
}

async function stopDaemonProcess(r: Running): Promise<void> {
  if (r.child.exitCode === null && r.child.signalCode === null) {
    r.child.kill("SIGTERM");
    const killer = setTimeout(() => r.child.kill("SIGKILL"), 10_000);
    await r.exited;
    clearTimeout(killer);
  }
  await rm(r.dir, { recursive: true, force: true });
}

/** The daemon's own count of pilots, from its status socket (planctonctl status --json). */
function pilotsSeen(r: Running): number | undefined {
  try {
    const out = execFileSync(
      process.execPath,
      [
        CLI,
        "status",
        "--json",
        "--rundir",
        path.join(r.dir, "run"),
        "--pidfile",
        path.join(r.dir, "run", "plancton.pid"),
        "--config",
        path.join(r.dir, "config.yaml"),
      ],
      { encoding: "utf8", timeout: 10_000 },
    );
    return (JSON.parse(out) as { pilots?: unknown[] }).pilots?.length;
  } catch {
    return undefined;
  }
}

export async function benchFootprint(ctx: BenchContext): Promise<BenchOutput> {
  await requireDocker();
  if (!existsSync(BUILT))
    throw new Error(`${BUILT} is missing: run \`npm run build\` first (planctonctl runs the built daemon)`);
  const notes: string[] = [];
  if (newest(path.join(ROOT, "src")) > newest(path.join(ROOT, "dist", "src")))
    notes.push("dist/ is older than src/: the measured daemon is the last build (`npm run build`)");

  // 200 sleeping pilots: scale's (handed over by run.ts), or our own.
  const handed = ctx.handoffIn as { instance?: string; pilots?: number } | undefined;
  const instance = handed?.instance ?? `pb-foot-${ctx.runId}`;
  ctx.onCleanup(() => removeInstance(instance));
  const shape: PilotShape = {
    ...SLEEPING_PILOT,
    cmd: [...SLEEPING_PILOT.cmd],
    cgroupParent: await pilotParent(),
  };
  const have = (await instanceContainers(instance)).length;
  if (have < PILOTS) await launchPilots(createDockerEngine(), instance, ctx.labels, PILOTS - have, shape);
  const common = {
    sample_interval: 2,
    main_sleep: 30,
    docker_cmd: shape.cmd,
    cpus_per_dock: shape.cpus,
    max_dock_mem: "16MiB",
    max_ttl: 86400,
    ...(WATCH === undefined ? {} : { watch_interval: Number(WATCH) }),
  };
  const instance0 = `pb-foot0-${ctx.runId}`;
  ctx.onCleanup(() => removeInstance(instance0));
  // grace_kill 1 day: other work on this shared machine must not make it pause pilots mid-window.
  const d200 = await startDaemonProcess(ctx, instance, PILOTS, {
    ...common,
    max_docks: PILOTS,
    grace_kill: 86400,
  });
  const d0 = await startDaemonProcess(ctx, instance0, 0, { ...common, max_docks: 0 });
  const daemons = [d0, d200];
  await sleep(WARMUP_S * 1000);

  ctx.log(`measuring both daemons over ${WINDOW_S} s (pids ${daemons.map((d) => d.child.pid).join(", ")})`);
  const cpu0 = daemons.map((d) => cpuSeconds(d.child.pid!));
  const rss: number[][] = daemons.map(() => []);
  const peak = daemons.map(() => ({ rss: 0, anon: NaN, file: NaN, pss: NaN }));
  const t0 = performance.now();
  while (performance.now() - t0 < WINDOW_S * 1000) {
    daemons.forEach((d, i) => {
      const m = memory(d.child.pid!);
      rss[i]!.push(m.rss);
      if (m.rss >= peak[i]!.rss) peak[i] = m;
    });
    await sleep(1000);
  }
  const windowSeconds = (performance.now() - t0) / 1000;
  const measured: Measured[] = daemons.map((d, i) => {
    const cpu = cpuSeconds(d.child.pid!) - cpu0[i]!;
    return {
      pilots: d.pilots,
      pid: d.child.pid!,
      rssMaxMB: Math.max(...rss[i]!),
      rssSamplesMB: rss[i]!.map((x) => Math.round(x * 10) / 10),
      anonMB: peak[i]!.anon,
      fileMB: peak[i]!.file,
      pssMB: peak[i]!.pss,
      cpuSeconds: cpu,
      cpuPercent: (cpu / windowSeconds) * 100,
      windowSeconds,
      pilotsSeen: pilotsSeen(d),
    };
  });
  for (const d of daemons) await stopDaemonProcess(d);
  const [m0, m200] = measured as [Measured, Measured];
  const bare = await bareNodeRss();
  if (m200.pilotsSeen !== undefined && m200.pilotsSeen !== PILOTS)
    notes.push(`the ${PILOTS}-pilot daemon reported ${m200.pilotsSeen} pilots`);
  const figures: Figure[] = [
    {
      id: "footprint.rss_mb",
      figure: `footprint: daemon RSS (max), 0 / ${PILOTS} pilots`,
      value: m200.rssMaxMB,
      unit: "MB",
      display: `${m0.rssMaxMB.toFixed(1)} / ${m200.rssMaxMB.toFixed(1)} MB`,
      target: `<= ${RSS_TARGET_MB} MB`,
      pass: Math.max(m0.rssMaxMB, m200.rssMaxMB) <= RSS_TARGET_MB,
      note:
        `VmRSS of \`planctonctl nodaemon\` (node ${process.version}) sampled every second over ${WINDOW_S} s after ${WARMUP_S} s of warm-up (MB = MiB); ` +
        `at the peak: anonymous ${m0.anonMB.toFixed(1)} / ${m200.anonMB.toFixed(1)} MB (the daemon's own), file-backed ${m0.fileMB.toFixed(1)} / ${m200.fileMB.toFixed(1)} MB (node's binary and libraries, shared), PSS ${m0.pssMB.toFixed(1)} / ${m200.pssMB.toFixed(1)} MB; a bare idle node: ${bare.toFixed(1)} MB`,
    },
    {
      id: "footprint.cpu_percent",
      figure: `footprint: daemon CPU (give-back watch at ${WATCH ? `${WATCH} s` : "its default"}), 0 / ${PILOTS} pilots`,
      value: m200.cpuPercent,
      unit: "% of a core",
      display: `${m0.cpuPercent.toFixed(2)} / ${m200.cpuPercent.toFixed(2)} % of a core`,
      target: `<= ${CPU_TARGET_PERCENT} %`,
      pass: Math.max(m0.cpuPercent, m200.cpuPercent) <= CPU_TARGET_PERCENT,
      note: `(utime+stime) delta from /proc/PID/stat over ${windowSeconds.toFixed(0)} s; sample_interval 2 s, main_sleep 30 s, watch_interval ${WATCH ?? "default"}`,
    },
  ];
  return { figures, notes, details: { clkTck, windowSeconds: WINDOW_S, warmupSeconds: WARMUP_S, measured } };
}

if (isMain(import.meta.url)) await benchMain("footprint", benchFootprint);
