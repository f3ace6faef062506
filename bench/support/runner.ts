// Runs one benchmark: its context (run id, labels, cleanups), the final sweep of every
// container it made, and, when started as a script, its table on stdout and its
// result as JSON for bench/run.ts (PLANCTON_BENCH_OUT).
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { LABEL_INSTANCE } from "../../src/daemon/loop/labels.js";
import { containersWithLabel, LABEL_BENCH, removeContainers } from "./docker.js";
import { figureTable, type BenchResult, type Figure } from "./figures.js";

export interface BenchContext {
  readonly name: string;
  /** Shared by every benchmark of one `npm run bench`. */
  readonly runId: string;
  /** Labels every container of this run carries (the sweep removes by them). */
  readonly labels: Record<string, string>;
  /** What the previous benchmark handed over (PLANCTON_BENCH_HANDOFF), e.g. scale's 200 pilots. */
  readonly handoffIn: Record<string, unknown> | undefined;
  /** PLANCTON_BENCH_KEEP=1: keep what may be handed to the next benchmark. */
  readonly keepForNext: boolean;
  log(message: string): void;
  /** Runs at the end (also on SIGINT/SIGTERM), last registered first. */
  onCleanup(fn: () => unknown): void;
  /** The final sweep leaves this instance's containers alone (handed to the next benchmark). */
  keepInstance(instance: string): void;
}

export interface BenchOutput {
  figures: Figure[];
  notes?: string[];
  details?: Record<string, unknown>;
  handoff?: Record<string, unknown>;
}

export type BenchBody = (ctx: BenchContext) => Promise<BenchOutput>;

export function newRunId(): string {
  return process.env.PLANCTON_BENCH_RUN ?? `b${randomBytes(3).toString("hex")}`;
}

/** Runs the body with a context; cleanups and the sweep always run. Never throws. */
export async function runBench(name: string, body: BenchBody): Promise<BenchResult> {
  const runId = newRunId();
  const t0 = Date.now();
  const cleanups: (() => unknown)[] = [];
  const kept = new Set<string>();
  let cleaning: Promise<void> | undefined;
  const handoffText = process.env.PLANCTON_BENCH_HANDOFF;
  const ctx: BenchContext = {
    name,
    runId,
    labels: { [LABEL_BENCH]: runId },
    handoffIn: handoffText ? (JSON.parse(handoffText) as Record<string, unknown>) : undefined,
    keepForNext: process.env.PLANCTON_BENCH_KEEP === "1",
    log: (m) => process.stderr.write(`[${name} ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}\n`),
    onCleanup: (fn) => void cleanups.push(fn),
    keepInstance: (i) => void kept.add(i),
  };
  const cleanup = (): Promise<void> => {
    cleaning ??= (async () => {
      for (const fn of cleanups.reverse()) {
        try {
          await fn();
        } catch (err) {
          ctx.log(`cleanup failed: ${(err as Error).message}`);
        }
      }
      // The sweep: whatever this run made and did not hand over.
      const left = (await containersWithLabel(LABEL_BENCH, runId).catch(() => [])).filter(
        (c) => !kept.has(c.Labels?.[LABEL_INSTANCE] ?? ""),
      );
      if (left.length > 0) {
        const failed = await removeContainers(left.map((c) => c.Id));
        ctx.log(
          `sweep: removed ${left.length - failed} container(s) left by ${name}${failed ? `, ${failed} could not be removed` : ""}`,
        );
      }
    })();
    return cleaning;
  };
  const onSignal = (sig: NodeJS.Signals) => {
    ctx.log(`${sig}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const out = await body(ctx);
    await cleanup();
    return {
      bench: name,
      startedAt: new Date(t0).toISOString(),
      seconds: (Date.now() - t0) / 1000,
      figures: out.figures,
      notes: out.notes ?? [],
      details: out.details ?? {},
      handoff: out.handoff,
    };
  } catch (err) {
    await cleanup();
    const e = err as Error;
    ctx.log(`failed: ${e.stack ?? e.message}`);
    return {
      bench: name,
      startedAt: new Date(t0).toISOString(),
      seconds: (Date.now() - t0) / 1000,
      figures: [],
      notes: [],
      details: {},
      error: e.message,
    };
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;
}

/** The script entry of a benchmark: runs it, prints its table, writes PLANCTON_BENCH_OUT. */
export async function benchMain(name: string, body: BenchBody): Promise<void> {
  const result = await runBench(name, body);
  if (process.env.PLANCTON_BENCH_OUT)
    writeFileSync(process.env.PLANCTON_BENCH_OUT, JSON.stringify(result, null, 2));
  else printResult(result);
  process.exitCode = result.error ? 1 : 0;
  // Handles left by libraries (sockets, watchers) must not keep a finished benchmark alive.
  setTimeout(() => process.exit(), 500).unref();
}

export function printResult(r: BenchResult): void {
  console.log(`\n${r.bench} (${r.seconds.toFixed(0)} s)${r.error ? `: FAILED: ${r.error}` : ""}`);
  if (r.figures.length > 0) console.log(figureTable(r.figures));
  for (const f of r.figures) if (f.note) console.log(`  - ${f.figure}: ${f.note}`);
  for (const n of r.notes) console.log(`  note: ${n}`);
}
