// Micro-benchmark of the expression language: compile, and evaluate a compiled expression,
// 100k times each. Run: node --import tsx bench/expr.bench.ts
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { compileExpr } from "../src/expr/index.js";

const ITERATIONS = 100_000;

const VARIABLES = [
  "ncpus",
  "ram_bytes",
  "max_dock_mem",
  "cpu_owner_5m",
  "disk_free_ratio",
  "mem_available_bytes",
  "load1",
];
const VALUES = {
  ncpus: 8,
  ram_bytes: 16e9,
  max_dock_mem: 2e9,
  cpu_owner_5m: 0.3,
  disk_free_ratio: 0.5,
  mem_available_bytes: 3e9,
  load1: 3,
};

const EXPRESSIONS = [
  "ncpus - 2",
  "min(ncpus, ram_bytes / max_dock_mem)",
  "cpu_owner_5m < 0.5 and disk_free_ratio > 0.1",
  "mem_available_bytes < 1GiB or load1 > ncpus * 2",
  "clamp(floor((ram_bytes - 4 GiB) / max_dock_mem), 0, if(load1 > ncpus, 0, ncpus - 1))",
];

export interface ExprBenchResult {
  readonly source: string;
  readonly compileNsPerOp: number;
  readonly evaluateNsPerOp: number;
}

function nsPerOp(iterations: number, body: () => number): number {
  let sink = 0;
  for (let i = 0; i < iterations / 10; i++) sink += body(); // warm-up
  const start = performance.now();
  for (let i = 0; i < iterations; i++) sink += body();
  const elapsedMs = performance.now() - start;
  if (Number.isNaN(sink)) throw new Error("unreachable: keeps the loop from being optimized away");
  return (elapsedMs * 1e6) / iterations;
}

export function benchExpr(iterations = ITERATIONS): ExprBenchResult[] {
  return EXPRESSIONS.map((source) => {
    const compileNsPerOp = nsPerOp(iterations, () => compileExpr(source, VARIABLES).variables.length);
    const compiled = compileExpr(source, VARIABLES);
    const evaluateNsPerOp = nsPerOp(iterations, () => compiled.evaluate(VALUES));
    return { source, compileNsPerOp, evaluateNsPerOp };
  });
}

function main(): void {
  console.log(`expr: ${ITERATIONS} iterations each, node ${process.version}`);
  console.log(`${"compile ns/op".padStart(14)} ${"evaluate ns/op".padStart(15)}  expression`);
  for (const r of benchExpr()) {
    console.log(
      `${r.compileNsPerOp.toFixed(0).padStart(14)} ${r.evaluateNsPerOp.toFixed(1).padStart(15)}  ${r.source}`,
    );
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
