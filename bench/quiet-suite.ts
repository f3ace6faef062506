// `npm run bench:quiet`: the quiet-machine suite of issue 25 (deliverables 5 and 6), in ONE
// run, every case interleaved: ROUNDS rounds, each running every case once, in an order
// rotated per round (so no case always runs first or after the same neighbour), each in
// its own process. The load average is printed (and kept) before and after each figure,
// and the machine's busy share over the 2 s before it: a figure taken on a machine busier
// than QUIET_BUSY is marked, never hidden.
// Cases: cyclictest alone / idle / normal at 0 % and 50 % owner load (owner-latency);
// nginx p99 with wrk (owner-service); harvest on the idle and bursty traces and owner ->
// first pilot frozen / dead end to end (give-back-e2e), under the defaults, a BOINC-like
// and an HTCondor-like policy (bench/profiles/), and the harvest with owner_suppress's
// cpuset (its cost, beside its gain in owner-service); the scripted give-back p99 over 200
// trials; memory give-back; filling 20 pilots beside a docker run loop (fill); the
// 24-task Makeflow run by 2 WorkQueue pilots of the daemon against 2 hand-started
// work_queue_worker processes under the same owner load, and once without an owner, which
// tells the launch path's cost from the give-back's (workflow); the daemon's CPU
// with 20 pilots (footprint).
// Needs: root, Docker, `npm run build` (footprint runs the built CLI) and
// scripts/prepare-bench.sh (cyclictest, nginx, wrk, makeflow and work_queue_worker).
// Writes bench/results-quiet.json.
// Run: npm run bench:quiet   (PLANCTON_BENCH_ROUNDS, default 2)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { figureTable, type BenchResult, type Figure } from "./support/figures.js";
import { newRunId } from "./support/runner.js";
import { procReaders } from "../src/host/proc-readers.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.PLANCTON_BENCH_ROUNDS ?? 2);
/** Above this share of the machine busy just before a case, its figures are marked "not quiet". */
const QUIET_BUSY = 0.1;
/** The load average lags (a previous case's pilots linger in it for minutes), so the quiet
 *  check reads the machine's busy share over the 2 s before each case; both are kept. */
async function busyShare(): Promise<number> {
  const { cpuTimes } = procReaders();
  const a = await cpuTimes();
  await new Promise((r) => setTimeout(r, 2000));
  const b = await cpuTimes();
  return Math.round(((b.busyTicks - a.busyTicks) / Math.max(1, b.totalTicks - a.totalTicks)) * 1000) / 1000;
}

interface Case {
  readonly label: string;
  readonly bench: string;
  readonly env?: Record<string, string>;
  readonly timeoutSeconds: number;
}

const profiles = ["default", "boinc-like", "htcondor-like"];
const CASES: Case[] = [
  { label: "owner-latency", bench: "owner-latency", timeoutSeconds: 900 },
  { label: "owner-service", bench: "owner-service", timeoutSeconds: 600 },
  ...[...profiles, "suppress"].map((p) => ({
    label: `harvest ${p}`,
    bench: "harvest",
    env: {
      PLANCTON_BENCH_PROFILE: p,
      PLANCTON_BENCH_HARVEST_SECONDS: process.env.PLANCTON_BENCH_HARVEST_SECONDS ?? "60",
    },
    timeoutSeconds: 1200,
  })),
  { label: "give-back-p99", bench: "give-back-p99", timeoutSeconds: 3600 },
  { label: "memory-give-back", bench: "memory-give-back", timeoutSeconds: 900 },
  { label: "fill 20 pilots", bench: "fill", env: { PLANCTON_BENCH_FILL_ROUNDS: "2" }, timeoutSeconds: 600 },
  { label: "makeflow workflow", bench: "workflow", timeoutSeconds: 1200 },
  {
    label: "makeflow workflow, no owner",
    bench: "workflow",
    env: { PLANCTON_BENCH_WORKFLOW_LOAD: "none", PLANCTON_BENCH_WORKFLOW_ROUNDS: "1" },
    timeoutSeconds: 900,
  },
  {
    label: "footprint 20 pilots",
    bench: "footprint",
    env: { PLANCTON_BENCH_FOOTPRINT_PILOTS: "20" },
    timeoutSeconds: 600,
  },
  // Last, the longest (200 trials under the defaults, the anchors' holds): a run cut short
  // still has every other case.
  ...["boinc-like", "htcondor-like", "default"].map((p) => ({
    label: `give-back-e2e ${p}`,
    bench: "give-back-e2e",
    env: { PLANCTON_BENCH_PROFILE: p },
    timeoutSeconds: p === "default" ? 5400 : 7200,
  })),
];

const load = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

function runCase(c: Case, runId: string, dir: string, round: number): Promise<BenchResult> {
  const out = path.join(dir, `${c.label.replace(/\W+/g, "_")}-${round}.json`);
  const env = { ...process.env, ...c.env, PLANCTON_BENCH_RUN: `${runId}${round}`, PLANCTON_BENCH_OUT: out };
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(HERE, `${c.bench}.ts`)], {
      env,
      stdio: ["ignore", "inherit", "inherit"],
    });
    const timer = setTimeout(() => child.kill("SIGTERM"), c.timeoutSeconds * 1000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(readFileSync(out, "utf8")) as BenchResult);
      } catch {
        const error = `${c.label}: exited with ${code ?? signal} before reporting`;
        resolve({
          bench: c.bench,
          startedAt: new Date(t0).toISOString(),
          seconds: 0,
          figures: [],
          notes: [],
          details: {},
          error,
        });
      }
    });
  });
}

const runId = newRunId();
const dir = mkdtempSync(path.join(os.tmpdir(), "plancton-bench-quiet-"));
const rows: {
  round: number;
  label: string;
  before: number[];
  busyBefore: number;
  after: number[];
  result: BenchResult;
}[] = [];
const say = (s: string) => process.stderr.write(`[quiet] ${s}\n`);
say(
  `${runId}: ${ROUNDS} round(s) of ${CASES.length} cases on ${os.availableParallelism()} CPUs; ` +
    `load ${load().join(" ")}`,
);
for (let round = 0; round < ROUNDS; round++) {
  const order = CASES.map((_, i) => CASES[(i + round * 3) % CASES.length]!);
  for (const c of order) {
    const busyBefore = await busyShare();
    const before = load();
    say(`round ${round + 1}, ${c.label}: load before ${before.join(" ")}, machine busy ${busyBefore}`);
    const result = await runCase(c, runId, dir, round);
    const after = load();
    say(
      `round ${round + 1}, ${c.label}: load after ${after.join(" ")}` +
        (result.error ? ` (${result.error})` : ""),
    );
    rows.push({ round: round + 1, label: c.label, before, busyBefore, after, result });
  }
}

const figures: Figure[] = rows.flatMap((r) =>
  r.result.figures.map((f) => {
    const noisy = r.busyBefore > QUIET_BUSY;
    return {
      ...f,
      figure: `[r${r.round}] ${f.figure}`,
      note:
        `busy before ${r.busyBefore}, load ${r.before[0]} -> ${r.after[0]}${noisy ? " (NOT QUIET)" : ""}` +
        (f.note ? `; ${f.note}` : ""),
    };
  }),
);
process.stdout.write(`${figureTable(figures)}\n`);
const file = path.join(HERE, "results-quiet.json");
writeFileSync(file, `${JSON.stringify({ runId, rounds: ROUNDS, quietBusy: QUIET_BUSY, rows }, null, 2)}\n`);
say(`wrote ${file}`);
process.exit(rows.some((r) => r.result.error) ? 1 : 0);
