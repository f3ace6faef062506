// Owner tail latency beside busy pilots (issue 14): cyclictest (rt-tests) as the owner,
// `cyclictest -t 2 -i 1000 -D <s> -q -m -h 20000` (SCHED_OTHER, the way a desktop's
// programs run), its p99 and p99.9 wakeup latency over both threads, with
//   alone:  no pilot;
//   idle:   2 busy pilots at 0.9 CPU each under the idle-priority parent (cpu.idle=1);
//   normal: the same pilots in Docker's default cgroups;
// at 0 % and ~50 % owner load (one busy shell loop per two cores, beside cyclictest).
// The six cases run interleaved, round after round, so the machine's other load falls
// on all of them alike; figures are the medians over rounds, ratios against alone.
// Targets: idle p99 <= 1.1x alone, p99.9 <= 1.2x.
// Run: node --import tsx bench/owner-latency.ts   (PLANCTON_BENCH_LATENCY_ROUNDS, _SECONDS)
import os from "node:os";
import { startBusyPilots, type Placement } from "./support/busy-pilots.js";
import { requireDocker } from "./support/docker.js";
import type { Figure } from "./support/figures.js";
import { startBusyLoad } from "./support/owner-load.js";
import { benchMain, isMain, type BenchContext, type BenchOutput } from "./support/runner.js";
import { max, median, round } from "./support/stats.js";
import { histogramQuantile, parseCyclictestHistogram, prepareBenchTools, run } from "./support/tools.js";
import { sleep } from "./support/wait.js";

const ROUNDS = Number(process.env.PLANCTON_BENCH_LATENCY_ROUNDS ?? 3);
const SECONDS = Number(process.env.PLANCTON_BENCH_LATENCY_SECONDS ?? 10);
const PILOTS = 2;
const PILOT_CPUS = 0.9;
type Case = "alone" | Placement;
const CASES: Case[] = ["alone", "idle", "normal"];
const LOADS = [0, 50] as const;

interface Sample {
  p99Us: number;
  p999Us: number;
  maxUs: number;
  samples: number;
}

async function cyclictest(): Promise<Sample> {
  const out = await run(
    "cyclictest",
    ["-t", "2", "-i", "1000", "-D", String(SECONDS), "-q", "-m", "-h", "20000"],
    { timeoutMs: (SECONDS + 30) * 1000 },
  );
  const h = parseCyclictestHistogram(out);
  return {
    p99Us: histogramQuantile(h, 0.99),
    p999Us: histogramQuantile(h, 0.999),
    maxUs: h.maxUs,
    samples: h.total,
  };
}

export async function benchOwnerLatency(ctx: BenchContext): Promise<BenchOutput> {
  await requireDocker();
  prepareBenchTools();
  const ncpus = os.cpus().length;
  const samples: Record<string, Sample[]> = {};
  const load0 = os.loadavg()[0]!;
  for (let r = 0; r < ROUNDS; r++) {
    for (const load of LOADS) {
      for (const c of CASES) {
        const instance = `pb-latency-${ctx.runId}-${c}`;
        const pilots =
          c === "alone" ? undefined : await startBusyPilots(instance, ctx.labels, PILOTS, PILOT_CPUS, c);
        if (pilots) ctx.onCleanup(() => pilots.remove());
        try {
          await sleep(1000); // the pilots spinning
          const owner = load > 0 ? startBusyLoad(Math.max(1, Math.round((ncpus * load) / 100))) : undefined;
          try {
            const s = await cyclictest();
            (samples[`${c}@${load}`] ??= []).push(s);
            ctx.log(
              `round ${r + 1}/${ROUNDS} load ${load}% ${c}: p99 ${s.p99Us} us, p99.9 ${s.p999Us} us, max ${s.maxUs} us (${s.samples} wakeups)`,
            );
          } finally {
            await owner?.stop();
          }
        } finally {
          await pilots?.remove();
        }
      }
    }
  }
  const figures: Figure[] = [];
  const med = (key: string, f: (s: Sample) => number) => median((samples[key] ?? []).map(f));
  for (const load of LOADS) {
    for (const [q, label, f, target] of [
      ["p99", "p99", (s: Sample) => s.p99Us, 1.1],
      ["p999", "p99.9", (s: Sample) => s.p999Us, 1.2],
    ] as const) {
      const alone = med(`alone@${load}`, f);
      figures.push({
        id: `owner_latency.${q}_alone_${load}`,
        figure: `owner ${label} wakeup latency, alone, owner load ${load}%`,
        value: alone,
        unit: "us",
        display: `${round(alone, 0)} us`,
      });
      for (const c of ["idle", "normal"] as const) {
        const v = med(`${c}@${load}`, f);
        const ratio = v / alone;
        figures.push({
          id: `owner_latency.${q}_${c}_${load}`,
          figure: `owner ${label}, ${PILOTS} busy pilots at ${c} priority, owner load ${load}%`,
          value: v,
          unit: "us",
          display: `${round(v, 0)} us (worst round ${round(max((samples[`${c}@${load}`] ?? []).map(f)), 0)})`,
          reference: `alone ${round(alone, 0)} us`,
          ratio,
          ...(c === "idle" ? { target: `<= ${target}x alone`, pass: ratio <= target } : {}),
        });
      }
    }
  }
  return {
    figures,
    notes: [
      `${ROUNDS} rounds of ${SECONDS} s per case, medians over rounds; load average ${round(load0, 1)} at the start (other work on the host is in every case alike)`,
    ],
    details: { rounds: ROUNDS, seconds: SECONDS, samples },
  };
}

if (isMain(import.meta.url)) await benchMain("owner-latency", benchOwnerLatency);
