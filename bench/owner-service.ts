// A latency-sensitive owner service beside busy pilots (issue 14): Debian's nginx on a
// free 127.0.0.1 port serving a small static file, loaded by wrk (`-t 1 -c 8 -d <s>
// --latency`), p99 request latency alone / with 2 busy pilots (0.9 CPU each) at idle
// priority / at idle priority with owner_suppress's cpuset (issue 25) / frozen (the floor a
// freeze gives) / at normal priority, interleaved round after round; medians over rounds.
// Target: p99 with idle-priority pilots <= 1.1x alone (issue 25).
// Run: node --import tsx bench/owner-service.ts   (PLANCTON_BENCH_SERVICE_ROUNDS, _SECONDS)
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { findControllerTree } from "../src/host/container-cgroup.js";
import { slicePath } from "../src/host/cgroup-layout.js";
import { PilotCpusetSuppress } from "../src/host/pilot-suppress.js";
import { idleParent, startBusyPilots, type Placement } from "./support/busy-pilots.js";
import { benchFreezer } from "./support/kernel-frozen.js";
import { perfSchedMissing, schedDelaysDuring, type SchedDelays } from "./support/perf-sched.js";
import { requireDocker } from "./support/docker.js";
import type { Figure } from "./support/figures.js";
import { benchMain, isMain, type BenchContext, type BenchOutput } from "./support/runner.js";
import { max, median, round } from "./support/stats.js";
import { freePort, parseWrk, prepareBenchTools, run } from "./support/tools.js";
import { poll, sleep } from "./support/wait.js";

const ROUNDS = Number(process.env.PLANCTON_BENCH_SERVICE_ROUNDS ?? 3);
const SECONDS = Number(process.env.PLANCTON_BENCH_SERVICE_SECONDS ?? 8);
/** After each measured run, a short one under `perf sched record` (its own p99 not used). */
const PERF_SECONDS = Number(process.env.PLANCTON_BENCH_SERVICE_PERF_SECONDS ?? 3);
/** cpuset: idle pilots with owner_suppress's cpuset applied; frozen: idle pilots frozen (the floor). */
type Case = "alone" | Placement | "cpuset" | "frozen";
const CASES: Case[] = ["alone", "idle", "cpuset", "frozen", "normal"];

interface Nginx {
  url: string;
  /** The master's and its workers' pids (the workers serve). */
  pids(): number[];
  stop(): Promise<void>;
}

/** Where the tail comes from: the kernel's schedstat of nginx's processes, summed (on-CPU
 *  ns, ns waiting on a runqueue, timeslices). On-CPU time per request that grows beside the
 *  pilots while the wait does not says the CPU itself ran slower (a shared physical core,
 *  cache, frequency), which no priority can give back; a wait that grows is the scheduler's. */
function schedstat(pids: readonly number[]): { runNs: number; waitNs: number; slices: number } {
  const sum = { runNs: 0, waitNs: 0, slices: 0 };
  for (const pid of pids) {
    const [run, wait, slices] = readFileSync(`/proc/${pid}/schedstat`, "utf8")
      .trim()
      .split(/\s+/)
      .map(Number);
    sum.runNs += run!;
    sum.waitNs += wait!;
    sum.slices += slices!;
  }
  return sum;
}

async function startNginx(): Promise<Nginx> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "plancton-bench-nginx-"));
  chmodSync(dir, 0o755); // the workers run as nobody
  const port = await freePort();
  writeFileSync(path.join(dir, "index.html"), "<html><body>" + "owner ".repeat(100) + "</body></html>\n");
  writeFileSync(
    path.join(dir, "nginx.conf"),
    [
      "worker_processes 1;",
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log;`,
      "events { worker_connections 256; }",
      "http {",
      "  access_log off;",
      `  client_body_temp_path ${dir}/body;`,
      `  proxy_temp_path ${dir}/proxy;`,
      `  fastcgi_temp_path ${dir}/fcgi;`,
      `  uwsgi_temp_path ${dir}/uwsgi;`,
      `  scgi_temp_path ${dir}/scgi;`,
      `  server { listen 127.0.0.1:${port}; root ${dir}; location / { } }`,
      "}",
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(
    "nginx",
    ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-g", "daemon off;"],
    { stdio: "ignore" },
  );
  const url = `http://127.0.0.1:${port}/index.html`;
  await poll(
    "nginx answering",
    async () =>
      (await fetch(url).then(
        (r) => r.ok,
        () => false,
      )) || undefined,
    10_000,
    100,
  );
  const pid = child.pid!;
  const children = () =>
    readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  return {
    url,
    pids: () => [pid, ...children()],
    stop: async () => {
      const exited = new Promise<void>((resolve) =>
        child.exitCode !== null ? resolve() : child.once("exit", () => resolve()),
      );
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(5000)]);
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const CASE_TEXT = {
  idle: "at idle priority",
  cpuset: "at idle priority, owner_suppress cpuset on (the owner keeps CPU 0)",
  frozen: "at idle priority, frozen (the floor a freeze gives)",
  normal: "at normal priority",
} as const;

/** Applies the case's give-back to the running pilots; returns how to undo it. */
async function giveBackCase(c: Case, ids: readonly string[]): Promise<(() => Promise<unknown>) | undefined> {
  const parent = (await idleParent()).cgroupParent;
  if (c === "cpuset") {
    const tree = findControllerTree("cpuset");
    if (!tree || parent === undefined) throw new Error("no cpuset hierarchy for the cpuset case");
    const rel = parent.endsWith(".slice") ? slicePath(parent) : parent.replace(/^\/+/, "");
    const s = new PilotCpusetSuppress(tree, path.join(tree.base, rel));
    await s.suppress(1);
    return () => s.restore();
  }
  if (c === "frozen") {
    const freezer = benchFreezer(parent);
    for (const id of ids) await freezer.freeze(id);
    return () => Promise.all(ids.map((id) => freezer.thaw(id)));
  }
  return undefined;
}

export async function benchOwnerService(ctx: BenchContext): Promise<BenchOutput> {
  await requireDocker();
  prepareBenchTools();
  const nginx = await startNginx();
  ctx.onCleanup(() => nginx.stop());
  const results: Record<
    Case,
    { p99Ms: number; p50Ms: number; rps: number; runUs: number; waitUs: number; sched?: SchedDelays }[]
  > = {
    alone: [],
    idle: [],
    cpuset: [],
    frozen: [],
    normal: [],
  };
  const load0 = os.loadavg()[0]!;
  const wrk = async (seconds: number) =>
    parseWrk(
      await run("wrk", ["-t", "1", "-c", "8", "-d", `${seconds}s`, "--latency", nginx.url], {
        timeoutMs: (seconds + 30) * 1000,
      }),
    );
  const perfMissing = PERF_SECONDS > 0 ? perfSchedMissing() : "PLANCTON_BENCH_SERVICE_PERF_SECONDS=0";
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of CASES) {
      const instance = `pb-service-${ctx.runId}-${c}`;
      const placement = c === "normal" ? "normal" : "idle";
      const pilots =
        c === "alone" ? undefined : await startBusyPilots(instance, ctx.labels, 2, 0.9, placement);
      if (pilots) ctx.onCleanup(() => pilots.remove());
      const undo = pilots ? await giveBackCase(c, pilots.ids) : undefined;
      try {
        await sleep(1000);
        const pids = nginx.pids();
        const s0 = schedstat(pids);
        const w = await wrk(SECONDS);
        const s1 = schedstat(pids);
        const sched = perfMissing
          ? undefined
          : await schedDelaysDuring(["nginx", "wrk"], () => wrk(PERF_SECONDS), PERF_SECONDS + 1);
        const requests = Math.max(1, w.requestsPerSecond * SECONDS);
        const runUs = (s1.runNs - s0.runNs) / 1000 / requests;
        const waitUs = (s1.waitNs - s0.waitNs) / 1000 / requests;
        results[c].push({ p99Ms: w.p99Ms, p50Ms: w.p50Ms, rps: w.requestsPerSecond, runUs, waitUs, sched });
        ctx.log(
          `round ${r + 1}/${ROUNDS} ${c}: p99 ${w.p99Ms} ms, p50 ${w.p50Ms} ms, ${Math.round(w.requestsPerSecond)} req/s; ` +
            `nginx per request: ${round(runUs, 1)} us on CPU, ${round(waitUs, 1)} us waiting on a runqueue` +
            (sched ? `; nginx + wrk woken -> running: ${JSON.stringify(sched)}` : ""),
        );
      } finally {
        await undo?.();
        await pilots?.remove();
      }
    }
  }
  const p99 = (c: Case) => median(results[c].map((x) => x.p99Ms));
  const rps = (c: Case) => median(results[c].map((x) => x.rps));
  const perRequest = (c: Case) =>
    `nginx per request: ${round(median(results[c].map((x) => x.runUs)), 1)} us on CPU, ` +
    `${round(median(results[c].map((x) => x.waitUs)), 1)} us on a runqueue (schedstat)` +
    (perfMissing
      ? ""
      : `; nginx + wrk woken -> running (perf sched): p99 ${median(results[c].map((x) => x.sched!.p99Us))} us, ` +
        `p99.9 ${median(results[c].map((x) => x.sched!.p999Us))} us, max ${max(results[c].map((x) => x.sched!.maxUs))} us`);
  const alone = p99("alone");
  const figures: Figure[] = [
    {
      id: "owner_service.nginx_p99_alone",
      figure: "nginx p99 (wrk, 8 connections), alone",
      value: alone,
      unit: "ms",
      display: `${round(alone, 2)} ms (${Math.round(rps("alone"))} req/s)`,
      note: perRequest("alone"),
    },
    ...(["idle", "cpuset", "frozen", "normal"] as const).map((c): Figure => ({
      id: `owner_service.nginx_p99_${c}`,
      figure: `nginx p99 with 2 busy pilots ${CASE_TEXT[c]}`,
      value: p99(c),
      unit: "ms",
      display: `${round(p99(c), 2)} ms (${Math.round(rps(c))} req/s; worst round ${round(max(results[c].map((x) => x.p99Ms)), 2)} ms)`,
      reference: `alone ${round(alone, 2)} ms`,
      ratio: p99(c) / alone,
      note: perRequest(c),
      ...(c === "idle" ? { target: "<= 1.1x alone", pass: p99(c) / alone <= 1.1 } : {}),
    })),
  ];
  return {
    figures,
    notes: [
      `${ROUNDS} rounds of ${SECONDS} s per case, medians over rounds; load average ${round(load0, 1)} at the start`,
      perfMissing
        ? `scheduling delays not studied: ${perfMissing}`
        : `after each measured run, ${PERF_SECONDS} s more under perf sched record (their own p99 not used)`,
    ],
    details: { rounds: ROUNDS, seconds: SECONDS, results },
  };
}

if (isMain(import.meta.url)) await benchMain("owner-service", benchOwnerService);
