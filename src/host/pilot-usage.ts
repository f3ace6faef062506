// Each pilot's CPU seconds as the kernel counts them, kept between its samples and its
// end: the per-pilot readings of the CPU meter (one read shared with cpu_pilots), one
// more read just before the pilot is removed, and running totals by image for counters.
// A pilot whose cgroup vanished before that last read keeps its last sample's figure.
import { HourlyTotals } from "./hourly-totals.js";

/** What the accounting knows of one pilot. */
export interface PilotUsage {
  readonly cpuSeconds: number;
  /** When the counter was last read. */
  readonly readAtMs: number;
  /** The last read was the one just before removal; false: the cgroup was gone by then. */
  readonly final: boolean;
  /** Peak memory of its cgroup (v1 memory.max_usage_in_bytes, v2 memory.peak), when the kernel keeps it. */
  readonly memoryPeakBytes?: number;
  /** Times it was paused (the owner's give-back). */
  readonly pauses?: number;
}

/** What the meter gives the ledger: a counter reading in ns, from a sample or a final read. */
export interface UsageSink {
  note(id: string, cpuNs: number, atMs: number): void;
}

/** The meter's last read of some pilots (their counters, their memory peak). */
export type FinalReader = (ids: readonly string[], nowMs: number) => void;

interface Entry {
  image: string;
  ns: number;
  readAtMs: number;
  final: boolean;
  memoryPeakBytes?: number;
  pauses?: number;
}

/** Entries not read for this long belong to pilots removed behind our back: forgotten. */
const FORGET_AFTER_MS = 24 * 3_600_000;

export class PilotUsageLedger implements UsageSink {
  private readonly entries = new Map<string, Entry>();
  private readonly byImage = new Map<string, number>();
  private readonly lost = new Map<string, number>();
  private readonly hourly = new HourlyTotals();
  private reader?: FinalReader;
  private listeners: (() => void)[] = [];

  /** imageOf: the pilot's image (from the pilot cache), looked up on its first reading. */
  constructor(private readonly imageOf: (id: string) => string | undefined = () => undefined) {}

  /** The meter in force reads the final counters (a priority change replaces the meter). */
  setFinalReader(reader: FinalReader): void {
    this.reader = reader;
  }

  note(id: string, cpuNs: number, atMs: number): void {
    let e = this.entries.get(id);
    if (!e) {
      e = { image: this.imageOf(id) ?? "unknown", ns: 0, readAtMs: atMs, final: false };
      this.entries.set(id, e);
    }
    if (cpuNs > e.ns) {
      this.add(this.byImage, e.image, (cpuNs - e.ns) / 1e9);
      this.hourly.add(atMs, (cpuNs - e.ns) / 1e9);
    }
    e.ns = Math.max(e.ns, cpuNs);
    e.readAtMs = atMs;
  }

  /** The memory peak found on the final read. */
  notePeak(id: string, bytes: number): void {
    const e = this.entries.get(id);
    if (e) e.memoryPeakBytes = bytes;
  }

  /** The owner's give-back paused it. */
  paused(id: string): void {
    const e = this.entries.get(id);
    if (e) e.pauses = (e.pauses ?? 0) + 1;
  }

  /** Reads these pilots' counters once more (just before their removal); marks what it read. */
  readFinal(ids: readonly string[], nowMs: number): void {
    if (ids.length === 0 || !this.reader) return;
    this.reader(ids, nowMs);
    for (const id of ids) {
      const e = this.entries.get(id);
      if (e && e.readAtMs === nowMs) e.final = true;
    }
  }

  /** After a sample: counters' listeners (metrics) run, stale entries go. */
  sampled(nowMs: number): void {
    for (const [id, e] of this.entries) if (nowMs - e.readAtMs > FORGET_AFTER_MS) this.entries.delete(id);
    for (const l of this.listeners) l();
  }

  onSampled(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** A pilot ended: its usage, forgotten here; lostCause: its CPU counts as work lost to that cause. */
  take(id: string, lostCause?: string): PilotUsage | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    this.entries.delete(id);
    const cpuSeconds = e.ns / 1e9;
    if (lostCause !== undefined) this.add(this.lost, lostCause, cpuSeconds);
    return {
      cpuSeconds,
      readAtMs: e.readAtMs,
      final: e.final,
      ...(e.memoryPeakBytes !== undefined ? { memoryPeakBytes: e.memoryPeakBytes } : {}),
      ...(e.pauses ? { pauses: e.pauses } : {}),
    };
  }

  /** Running pilots' CPU seconds so far. */
  live(): { id: string; image: string; cpuSeconds: number }[] {
    return [...this.entries].map(([id, e]) => ({ id, image: e.image, cpuSeconds: e.ns / 1e9 }));
  }

  /** CPU seconds of every pilot read since the daemon started, by image (a counter). */
  cpuSecondsByImage(): ReadonlyMap<string, number> {
    return this.byImage;
  }

  /** Core-hours the pilots used in the last 24 h (to the hour), as read. */
  coreHoursLastDay(nowMs: number): number {
    return this.hourly.lastDay(nowMs) / 3600;
  }

  /** CPU seconds of pilots whose work was lost, by cause (a counter). */
  lostCpuSecondsByCause(): ReadonlyMap<string, number> {
    return this.lost;
  }

  private add(map: Map<string, number>, key: string, seconds: number): void {
    map.set(key, (map.get(key) ?? 0) + seconds);
  }
}
