// What `planctonctl report` adds up, from history records (pure: records in, summaries
// out). A pilot counts in the period it ended in (running ones: in the period of now);
// its CPU is what its cgroup counted, lost when a kill before its end (the owner's
// give-back, a schedule, an eviction rule, force-stop) threw its work away.
import { lostCauseOf, type AccountedRecord } from "../daemon/report/accounting-record.js";
import type { LivePilot } from "../daemon/report/accounting-live.js";

export type ReportBy = "day" | "week" | "image";

export interface Summary {
  /** 2026-12-06 (day), 2026-11-30 (the week's Monday, UTC), the image, or "total". */
  period: string;
  pilots: number;
  /** Of which still running (counted so far). */
  running: number;
  wallSeconds: number;
  cpuSeconds: number;
  /** cpuSeconds x benchmark_per_core, when it is configured. */
  normalisedCpuSeconds?: number;
  lostCpuSeconds: number;
  lostByCause: Record<string, number>;
  /** Pilots the owner's give-back killed; pauses it made (of pilots that ended). */
  giveBackKills: number;
  pauses: number;
  medianLifeSeconds: number | null;
  /** Idle CPU the host had (core-seconds the owner left), from logdir/harvest.jsonl. */
  idleCoreSeconds: number;
  /** cpuSeconds over idleCoreSeconds; null when the idle CPU is not known. */
  harvestRatio: number | null;
}

interface Acc {
  s: Summary;
  /** Pilot lives, to the second: how many lived each (a year of pilots in a few entries). */
  lives: Map<number, number>;
}

const DAY_MS = 86_400_000;

/** The period key of a time: its UTC day, or the Monday of its UTC week. */
export function periodOf(ms: number, by: "day" | "week"): string {
  const day = Math.floor(ms / DAY_MS);
  // 1970-01-01 was a Thursday: days since a Monday are (day + 3) % 7.
  const start = by === "day" ? day : day - ((day + 3) % 7);
  return new Date(start * DAY_MS).toISOString().slice(0, 10);
}

/** The median of values given as value -> count. */
export function median(counts: ReadonlyMap<number, number>): number | null {
  let n = 0;
  for (const c of counts.values()) n += c;
  if (n === 0) return null;
  const keys = Float64Array.from(counts.keys()).sort();
  const at = (rank: number): number => {
    let seen = 0;
    for (const k of keys) if ((seen += counts.get(k)!) > rank) return k;
    return keys[keys.length - 1]!;
  };
  return n % 2 === 1 ? at(n >> 1) : (at((n >> 1) - 1) + at(n >> 1)) / 2;
}

/** Adds records one at a time (streamed), then gives the summaries. */
export class ReportAggregator {
  private readonly periods = new Map<string, Acc>();
  private readonly total: Acc = { s: emptySummary("total"), lives: new Map() };
  /** The period key of the last day keyed (see keyOf). */
  private lastDay = { day: NaN, key: "" };

  constructor(
    private readonly by: ReportBy,
    private readonly benchmarkPerCore?: number,
  ) {}

  add(r: AccountedRecord): void {
    const key = this.keyOf(r.endedAtMs, r.image);
    const wall = r.wallSeconds ?? Math.max(0, (r.endedAtMs - r.startedAtMs) / 1000);
    const cpu = r.cpuSeconds ?? 0;
    const lost = lostCauseOf(r.reason);
    for (const acc of [this.accOf(key), this.total]) {
      const s = acc.s;
      s.pilots++;
      s.wallSeconds += wall;
      s.cpuSeconds += cpu;
      s.pauses += r.pauses ?? 0;
      if (r.givenBack === true) s.giveBackKills++;
      if (lost !== undefined) {
        s.lostCpuSeconds += cpu;
        s.lostByCause[lost] = (s.lostByCause[lost] ?? 0) + cpu;
      }
      const life = Math.round(wall);
      acc.lives.set(life, (acc.lives.get(life) ?? 0) + 1);
    }
  }

  addLive(p: LivePilot, nowMs: number): void {
    const key = this.keyOf(nowMs, p.image);
    for (const acc of [this.accOf(key), this.total]) {
      acc.s.pilots++;
      acc.s.running++;
      acc.s.wallSeconds += Math.max(0, (nowMs - p.startedAtMs) / 1000);
      acc.s.cpuSeconds += p.cpuSeconds;
    }
  }

  /** An hour's idle CPU (by image: in the total only, the host's idle CPU has no image). */
  addIdle(hourMs: number, idleCoreSeconds: number): void {
    this.total.s.idleCoreSeconds += idleCoreSeconds;
    if (this.by !== "image") this.accOf(this.keyOf(hourMs, "")).s.idleCoreSeconds += idleCoreSeconds;
  }

  /** The periods in order (images by CPU, most first), and the total. */
  result(): { periods: Summary[]; total: Summary } {
    const done = (a: Acc): Summary => {
      const s = { ...a.s, medianLifeSeconds: median(a.lives) };
      if (s.idleCoreSeconds > 0) s.harvestRatio = s.cpuSeconds / s.idleCoreSeconds;
      if (this.benchmarkPerCore !== undefined) s.normalisedCpuSeconds = s.cpuSeconds * this.benchmarkPerCore;
      return s;
    };
    const periods = [...this.periods.values()].map(done);
    if (this.by === "image") periods.sort((a, b) => b.cpuSeconds - a.cpuSeconds);
    else periods.sort((a, b) => (a.period < b.period ? -1 : 1));
    return { periods, total: done(this.total) };
  }

  private keyOf(ms: number, image: string): string {
    if (this.by === "image") return image || "unknown";
    // Records come in time order: most share their neighbour's day, and a Date and its ISO
    // string per record were a fifth of a year's report.
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.lastDay.day) this.lastDay = { day, key: periodOf(ms, this.by) };
    return this.lastDay.key;
  }

  private accOf(key: string): Acc {
    let acc = this.periods.get(key);
    if (!acc) this.periods.set(key, (acc = { s: emptySummary(key), lives: new Map() }));
    return acc;
  }
}

function emptySummary(period: string): Summary {
  return {
    period,
    pilots: 0,
    running: 0,
    wallSeconds: 0,
    cpuSeconds: 0,
    lostCpuSeconds: 0,
    lostByCause: {},
    giveBackKills: 0,
    pauses: 0,
    medianLifeSeconds: null,
    idleCoreSeconds: 0,
    harvestRatio: null,
  };
}
