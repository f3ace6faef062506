// The module micro-benchmarks already in bench/ (expr, policy, host, metrics), run in this
// process and turned into rows of the table. Memory figures need --expose-gc (the
// bench:micro script and run.ts pass it).
// Run: node --expose-gc --import tsx bench/micro.ts
import { benchExpr } from "./expr.bench.js";
import { benchHost } from "./host.bench.js";
import { benchMetrics } from "./metrics.bench.js";
import { benchPolicy } from "./policy.bench.js";
import type { Figure } from "./support/figures.js";
import { benchMain, isMain, type BenchContext, type BenchOutput } from "./support/runner.js";

export async function benchMicro(ctx: BenchContext): Promise<BenchOutput> {
  const notes: string[] = [];
  const figures: Figure[] = [];

  ctx.log("expr");
  const expr = benchExpr();
  const worstCompile = expr.reduce((a, b) => (b.compileNsPerOp > a.compileNsPerOp ? b : a));
  const worstEval = expr.reduce((a, b) => (b.evaluateNsPerOp > a.evaluateNsPerOp ? b : a));
  figures.push({
    id: "micro.expr_ns",
    figure: `expr: compile / evaluate, slowest of ${expr.length} expressions`,
    value: worstEval.evaluateNsPerOp,
    unit: "ns",
    display: `${(worstCompile.compileNsPerOp / 1000).toFixed(1)} us / ${worstEval.evaluateNsPerOp.toFixed(0)} ns`,
    note: `slowest: "${worstCompile.source}"`,
  });

  ctx.log("policy");
  const policy = benchPolicy();
  const worstPolicy = policy.reduce((a, b) => (b.usPerCall > a.usPerCall ? b : a));
  figures.push({
    id: "micro.policy_us",
    figure: "policy: decide() with 200 pilots, slowest scenario",
    value: worstPolicy.usPerCall,
    unit: "us",
    target: "< 1000 us",
    pass: worstPolicy.usPerCall < 1000,
    note: `${worstPolicy.name}; all: ${policy.map((p) => `${p.usPerCall.toFixed(0)} us`).join(", ")}`,
  });

  ctx.log("host");
  const host = await benchHost();
  const sample = host.rows.find((r) => r.what.startsWith("HostSampler.sample"));
  const realMeter = host.rows.find((r) => r.what.includes("real v1 cgroups"));
  if (sample) {
    figures.push({
      id: "micro.host_sample_us",
      figure: "host: one sample with 200 pilots (CPU)",
      value: sample.cpuUsPerOp / 1000,
      unit: "ms",
      target: "< 5 ms",
      pass: sample.cpuUsPerOp < 5000,
      note: `real /proc, fake cgroup tree${realMeter ? `; PilotCpuMeter on 200 real v1 cgroups: ${(realMeter.cpuUsPerOp / 1000).toFixed(2)} ms` : ""}`,
    });
  }
  figures.push({
    id: "micro.host_windows_kib",
    figure: "host: rolling windows of all signals (1 min .. 1 day)",
    value: host.windowBytes / 1024,
    unit: "KiB",
    target: "< 1 MB",
    pass: host.windowBytes < 1e6,
    note: `${(host.measuredBytesPerSampler / 1024).toFixed(0)} KiB per sampler measured on the heap`,
  });
  notes.push(...host.notes.map((n) => `host: ${n}`));

  ctx.log("metrics");
  const metrics = benchMetrics();
  figures.push({
    id: "micro.metrics_write_ns",
    figure: "metrics: hub.write() per point (line protocol + queue)",
    value: metrics.hubWriteNsPerPoint,
    unit: "ns",
    display: `${(metrics.hubWriteNsPerPoint / 1000).toFixed(1)} us`,
    note:
      metrics.bytesPerBufferedPoint === undefined
        ? "run with --expose-gc for the memory per buffered point"
        : `${metrics.bytesPerBufferedPoint.toFixed(0)} bytes per buffered point (the 50k default buffer: ${((metrics.bytesPerBufferedPoint * 50_000) / 2 ** 20).toFixed(1)} MiB)`,
  });
  return { figures, notes, details: { expr, policy, host, metrics } };
}

if (isMain(import.meta.url)) await benchMain("micro", benchMicro);
