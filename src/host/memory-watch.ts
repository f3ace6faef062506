// Memory pressure between samples, at the period of a PSI trigger's wake-up (issue 25).
//
// The kernel's trigger ("some 100000 1000000" written to /proc/pressure/memory opened
// O_RDWR, then poll() for POLLPRI) needs poll() on that fd. Node has none for an arbitrary
// fd without a native add-on: fs.watch is inotify (procfs and cgroupfs files never
// notify), libuv's poll handle is not exposed, and net.Socket refuses a non-socket fd; a
// helper process (python3 ...) is not on every host and is one more thing to supervise.
// So the same condition is read on a short timer: the PSI "some" total (microseconds
// stalled, cumulative) of each watched file, kept over the trigger's window; when it grew
// by >= the threshold within the window (100 ms in 1 s, the trigger's own numbers), or
// MemAvailable fell below min_free_mem, the daemon is woken for a sample at once. Two tiny
// reads per period (on descriptors kept open, kept-file.ts); the wake comes within one
// period (100 ms) instead of the kernel's immediate wake, and costs no process, no add-on.

import { readKept } from "./kept-file.js";

export interface MemoryWatchOptions {
  /** PSI files: /proc/pressure/memory, or the owner's cgroups' memory.pressure (v2). */
  readonly psiFiles: readonly string[];
  /** Default /proc/meminfo. */
  readonly meminfo?: string;
  /** Stall that wakes, in microseconds within the window (default 100 ms). */
  readonly thresholdUs?: number;
  /** The trigger's window (default 1 s); also the hold-off after a wake. */
  readonly windowMs?: number;
}

export type MemoryWake = { readonly cause: "stall" | "low"; readonly text: string };

const SOME_TOTAL = /^some .*total=(\d+)/m;
const MEM_AVAILABLE = /^MemAvailable:\s+(\d+) kB/m;

export class MemoryWatch {
  private readonly history = new Map<string, { atMs: number; totalUs: number }[]>();
  private heldUntilMs = 0;
  private readonly thresholdUs: number;
  private readonly windowMs: number;

  constructor(
    private readonly opts: MemoryWatchOptions,
    private readonly read: (path: string) => string | undefined = readKept,
  ) {
    this.thresholdUs = opts.thresholdUs ?? 100_000;
    this.windowMs = opts.windowMs ?? 1000;
  }

  /** Files it reads, for status. */
  describe(): string {
    const trigger = `some >= ${this.thresholdUs / 1000} ms in ${this.windowMs} ms`;
    return `${this.opts.psiFiles.join(", ")} (${trigger}) + MemAvailable`;
  }

  /** One period: a wake when the stall or available memory calls for a sample now. */
  check(nowMs: number, minFreeBytes: number | undefined): MemoryWake | undefined {
    let wake: MemoryWake | undefined;
    for (const file of this.opts.psiFiles) {
      const m = SOME_TOTAL.exec(this.read(file) ?? "");
      if (!m) continue;
      const totalUs = Number(m[1]);
      const past = (this.history.get(file) ?? []).filter((h) => nowMs - h.atMs <= this.windowMs);
      past.push({ atMs: nowMs, totalUs });
      this.history.set(file, past);
      const grew = totalUs - past[0]!.totalUs;
      if (wake === undefined && grew >= this.thresholdUs)
        wake = {
          cause: "stall",
          text: `${file}: ${Math.round(grew / 1000)} ms stalled within ${this.windowMs} ms`,
        };
    }
    if (wake === undefined && minFreeBytes !== undefined) {
      const m = MEM_AVAILABLE.exec(this.read(this.opts.meminfo ?? "/proc/meminfo") ?? "");
      const available = m ? Number(m[1]) * 1024 : undefined;
      if (available !== undefined && available < minFreeBytes)
        wake = { cause: "low", text: `MemAvailable ${available} < ${minFreeBytes} bytes` };
    }
    if (wake === undefined || nowMs < this.heldUntilMs) return undefined;
    this.heldUntilMs = nowMs + this.windowMs; // the samples it asks for must show the kills first
    return wake;
  }
}
