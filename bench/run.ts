// `npm run bench`: every benchmark on the real Docker engine, each in its own process
// (bench/<name>.ts, which also runs alone), then ONE table of all figures and
// bench/results.json. Scale's 200 pilots are handed on to footprint. Every container
// carries the run's label (org.plancton.bench=<run id>) and is removed at the end.
// Run: npm run bench [-- name ...]   e.g. npm run bench -- reload fill
// Exit code: 0 when every benchmark ran (targets missed are figures, not errors), 1 otherwise.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { containersWithLabel, docker, LABEL_BENCH, removeContainers } from "./support/docker.js";
import { figureTable, type BenchResult, type Figure } from "./support/figures.js";
import { newRunId, printResult } from "./support/runner.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));

interface Bench {
  name: string;
  nodeArgs?: string[];
  timeoutSeconds: number;
  /** Keep what it made for the next benchmark (PLANCTON_BENCH_KEEP=1). */
  keep?: boolean;
  /** Gets this benchmark's handoff (PLANCTON_BENCH_HANDOFF). */
  handoffFrom?: string;
}

/** In the order they run: quick and CPU-sensitive first, the 200 pilots last. */
const BENCHES: Bench[] = [
  { name: "micro", nodeArgs: ["--expose-gc"], timeoutSeconds: 120 },
  { name: "owner-slowdown", timeoutSeconds: 180 },
  { name: "give-back", timeoutSeconds: 420 },
  { name: "reload", timeoutSeconds: 60 },
  { name: "fill", timeoutSeconds: 180 },
  { name: "metrics-outage", timeoutSeconds: 180 },
  { name: "sink-outage", timeoutSeconds: 60 },
  // Colocation (issue 14): owner tail latency, harvest, memory give-back.
  { name: "owner-latency", timeoutSeconds: 600 },
  { name: "owner-service", timeoutSeconds: 400 },
  { name: "give-back-p99", timeoutSeconds: 900 },
  { name: "harvest", timeoutSeconds: 600 },
  { name: "memory-give-back", timeoutSeconds: 600 },
  // The 24-task Makeflow: WorkQueue pilots against two hand-started workers (issue 25).
  { name: "workflow", timeoutSeconds: 1200 },
  { name: "scale", keep: true, timeoutSeconds: 240 },
  { name: "footprint", handoffFrom: "scale", timeoutSeconds: 240 },
];

function runChild(
  b: Bench,
  runId: string,
  handoff: Record<string, unknown> | undefined,
  dir: string,
): Promise<BenchResult> {
  const out = path.join(dir, `${b.name}.json`);
  const env: NodeJS.ProcessEnv = { ...process.env, PLANCTON_BENCH_RUN: runId, PLANCTON_BENCH_OUT: out };
  if (b.keep) env.PLANCTON_BENCH_KEEP = "1";
  if (handoff) env.PLANCTON_BENCH_HANDOFF = JSON.stringify(handoff);
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [...(b.nodeArgs ?? []), "--import", "tsx", path.join(HERE, `${b.name}.ts`)],
      { env, stdio: ["ignore", "inherit", "inherit"] },
    );
    current = child;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.stderr.write(`[run] ${b.name}: over ${b.timeoutSeconds} s, stopping it\n`);
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 30_000).unref();
    }, b.timeoutSeconds * 1000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      try {
        resolve(JSON.parse(readFileSync(out, "utf8")) as BenchResult);
      } catch {
        const why = timedOut
          ? `stopped after ${b.timeoutSeconds} s`
          : `exited with ${code ?? signal} before reporting`;
        resolve({
          bench: b.name,
          startedAt: new Date(t0).toISOString(),
          seconds: (Date.now() - t0) / 1000,
          figures: [],
          notes: [],
          details: {},
          error: why,
        });
      }
    });
  });
}

let current: ReturnType<typeof spawn> | undefined;

async function sweep(runId: string): Promise<number> {
  const left = await containersWithLabel(LABEL_BENCH, runId).catch(() => []);
  if (left.length > 0) await removeContainers(left.map((c) => c.Id));
  return left.length;
}

async function machine(): Promise<Record<string, unknown>> {
  const info = (await docker.info().catch(() => ({}))) as {
    ServerVersion?: string;
    CgroupDriver?: string;
    CgroupVersion?: string;
    KernelVersion?: string;
  };
  return {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    docker: info.ServerVersion,
    cgroupDriver: info.CgroupDriver,
    cgroupVersion: info.CgroupVersion,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const unknown = only.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length > 0)
    throw new Error(
      `unknown benchmark(s) ${unknown.join(", ")}; known: ${BENCHES.map((b) => b.name).join(", ")}`,
    );
  const selected = BENCHES.filter((b) => only.length === 0 || only.includes(b.name));
  const runId = newRunId();
  const dir = mkdtempSync(path.join(os.tmpdir(), "plancton-bench-run-"));
  const t0 = Date.now();
  const host = await machine();
  process.once("SIGINT", () => {
    current?.kill("SIGINT");
    void sweep(runId).finally(() => process.exit(130));
  });
  process.stderr.write(
    `[run] ${runId}: ${selected.map((b) => b.name).join(", ")} on ${host.cpus} CPUs, kernel ${host.kernel}, Docker ${host.docker} (cgroup v${host.cgroupVersion}, ${host.cgroupDriver})\n`,
  );
  const results: BenchResult[] = [];
  for (const b of selected) {
    const handoff = b.handoffFrom ? results.find((r) => r.bench === b.handoffFrom)?.handoff : undefined;
    const r = await runChild(b, runId, handoff, dir);
    results.push(r);
    printResult(r);
  }
  const swept = await sweep(runId);
  rmSync(dir, { recursive: true, force: true });
  const seconds = (Date.now() - t0) / 1000;

  const figures: (Figure & { bench: string })[] = results.flatMap((r) =>
    r.figures.map((f) => ({ ...f, bench: r.bench })),
  );
  const failedBenches = results.filter((r) => r.error);
  const rows: Figure[] = [
    ...figures,
    ...failedBenches.map((r): Figure => ({
      id: `${r.bench}.error`,
      figure: `${r.bench}: benchmark failed`,
      value: null,
      unit: "",
      display: r.error,
      pass: false,
    })),
  ];
  console.log(
    `\n== Plancton benchmarks: ${host.cpus} CPUs (${host.cpuModel}), kernel ${host.kernel}, Docker ${host.docker}, cgroup v${host.cgroupVersion} (${host.cgroupDriver}), node ${host.node}, ${String(host.date)} ==`,
  );
  console.log(figureTable(rows));
  const withTarget = rows.filter((f) => f.pass !== undefined);
  console.log(
    `\n${withTarget.filter((f) => f.pass).length}/${withTarget.length} targets met; ${failedBenches.length} benchmark(s) failed to run; ` +
      `${seconds.toFixed(0)} s in all${swept > 0 ? `; the final sweep removed ${swept} container(s) left behind` : ""}.`,
  );
  const file = path.join(HERE, "results.json");
  writeFileSync(
    file,
    JSON.stringify({ runId, machine: host, seconds, figures, benches: results }, null, 2) + "\n",
  );
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
  process.exitCode = failedBenches.length > 0 ? 1 : 0;
  setTimeout(() => process.exit(), 500).unref();
}

await main();
