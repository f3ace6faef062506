// The daemon's cpu_pilots against the pilots' processes' own CPU time, over the same
// intervals: each daemon sample covers the time since its previous one, and it was
// taken at startedAtMs + uptime_seconds; the truth (from /proc/<pid>/stat) is polled
// beside it and interpolated to those instants. Only pairs of consecutive samples
// count, so a sample missed between two polls never skews the sum.
import { setTimeout as sleep } from "node:timers/promises";
import type { StatusSnapshot } from "../../src/daemon/report/status.js";

export interface Attribution {
  /** CPU-seconds the daemon attributed to the pilots over the compared intervals. */
  readonly reportedSeconds: number;
  /** CPU-seconds the pilots' processes used over the same intervals. */
  readonly kernelSeconds: number;
  readonly intervals: number;
  /** Mean cpu_owner (fraction of the machine) the daemon reported meanwhile. */
  readonly ownerMean: number;
}

export async function measureAttribution(
  status: () => Promise<StatusSnapshot>,
  pilotCpuSeconds: () => number,
  opts: { windowMs: number; ncpus: number; sampleIntervalMs: number },
): Promise<Attribution> {
  const polls: { atMs: number; cpu: number }[] = [];
  const samples = new Map<number, { atMs: number; pilots: number; owner: number }>();
  const t0 = Date.now();
  while (Date.now() - t0 < opts.windowMs) {
    const s = await status();
    polls.push({ atMs: Date.now(), cpu: pilotCpuSeconds() });
    const o = s.observation;
    const up = o["uptime_seconds"];
    if (up !== undefined)
      samples.set(up, {
        atMs: s.startedAtMs + up * 1000,
        pilots: o["cpu_pilots"] ?? 0,
        owner: o["cpu_owner"] ?? 0,
      });
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
  let reportedSeconds = 0;
  let kernelSeconds = 0;
  let intervals = 0;
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    const gap = cur.atMs - prev.atMs;
    if (gap > 1.5 * opts.sampleIntervalMs) continue; // a sample in between was not seen
    const a = truthAt(prev.atMs);
    const b = truthAt(cur.atMs);
    if (a === undefined || b === undefined) continue;
    reportedSeconds += (cur.pilots * gap * opts.ncpus) / 1000;
    kernelSeconds += b - a;
    intervals++;
  }
  const ownerMean = sorted.reduce((x, s) => x + s.owner, 0) / Math.max(1, sorted.length);
  return { reportedSeconds, kernelSeconds, intervals, ownerMean };
}
