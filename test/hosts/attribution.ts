// The daemon's cpu_pilots against the pilots' processes' own CPU time, sample by sample:
// each sample's share covers its own span (sample_span_ms, ending at sampled_at_ms); the
// truth (from /proc/<pid>/stat) is polled beside it and interpolated to the span's two
// ends. Every sample the polls saw counts on its own window, so a sample never seen (the
// give-back watch's extra ones are short and come when the owner rises) skews nothing.
import { setTimeout as sleep } from "node:timers/promises";
import type { StatusSnapshot } from "../../src/daemon/report/status.js";

export interface Attribution {
  /** CPU-seconds the daemon attributed to the pilots over the compared spans. */
  readonly reportedSeconds: number;
  /** CPU-seconds the pilots' processes used over the same spans. */
  readonly kernelSeconds: number;
  readonly intervals: number;
  /** Mean cpu_owner (fraction of the machine) the daemon reported meanwhile. */
  readonly ownerMean: number;
  /** Each compared span: [ms since the first sample, span ms, reported CPU-s, kernel CPU-s]. */
  readonly rows: readonly (readonly [number, number, number, number])[];
}

interface Seen {
  atMs: number;
  spanMs: number;
  pilots: number;
  owner: number;
}

export async function measureAttribution(
  status: () => Promise<StatusSnapshot>,
  pilotCpuSeconds: () => number,
  opts: { windowMs: number; ncpus: number },
): Promise<Attribution> {
  const polls: { atMs: number; cpu: number }[] = [];
  const samples = new Map<number, Seen>();
  const t0 = Date.now();
  while (Date.now() - t0 < opts.windowMs) {
    const s = await status();
    const before = Date.now();
    const cpu = pilotCpuSeconds();
    polls.push({ atMs: (before + Date.now()) / 2, cpu });
    const o = s.observation;
    const at = o["sampled_at_ms"];
    const span = o["sample_span_ms"];
    if (at !== undefined && span !== undefined && span > 0)
      samples.set(at, { atMs: at, spanMs: span, pilots: o["cpu_pilots"] ?? 0, owner: o["cpu_owner"] ?? 0 });
    await sleep(400);
  }
  const truthAt = (ms: number): number | undefined => {
    for (let i = 1; i < polls.length; i++) {
      const a = polls[i - 1]!;
      const b = polls[i]!;
      if (ms >= a.atMs && ms <= b.atMs)
        return a.cpu + ((b.cpu - a.cpu) * (ms - a.atMs)) / Math.max(1, b.atMs - a.atMs);
    }
    return undefined;
  };
  const sorted = [...samples.values()].sort((a, b) => a.atMs - b.atMs);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const rows: [number, number, number, number][] = [];
  let reportedSeconds = 0;
  let kernelSeconds = 0;
  for (const s of sorted) {
    const a = truthAt(s.atMs - s.spanMs);
    const b = truthAt(s.atMs);
    if (a === undefined || b === undefined) continue; // the span began before the first poll
    const reported = (s.pilots * s.spanMs * opts.ncpus) / 1000;
    reportedSeconds += reported;
    kernelSeconds += b - a;
    rows.push([Math.round(s.atMs - sorted[0]!.atMs), Math.round(s.spanMs), r3(reported), r3(b - a)]);
  }
  const ownerMean = sorted.reduce((x, s) => x + s.owner, 0) / Math.max(1, sorted.length);
  return { reportedSeconds, kernelSeconds, intervals: rows.length, ownerMean, rows };
}
