// The host sampler: reads every counter once per tick, keeps the rolling windows
// of the windowed signals, and returns one Observation holding every catalogue
// variable of the host (the pilot counts and local time are added by the daemon). Time, /proc and the cgroups
// are injected, so tests drive it with a
// fake clock and fake readers.

import { RollingWindow, WINDOW_NAMES, WINDOWS } from "./rolling-window.js";
import {
  USER_HZ_MS,
  type CpuTimes,
  type DiskSpace,
  type MemPressure,
  type ProcReaders,
} from "./proc-readers.js";
import type { DesktopReading } from "./desktop-sources.js";
import {
  ABSENT_WHEN_MISSING,
  DAEMON_FILLED,
  INSTANT_VARIABLES,
  SPAN_WEIGHTED,
  WINDOWED_SIGNALS,
  windowedName,
  type Observation,
  type WindowedSignal,
} from "./variables.js";

/** What the sampler needs of PilotCpuMeter. */
export interface PilotCpuSource {
  sample(containerIds: readonly string[], nowMs: number): number;
}

export interface PilotIds {
  readonly running: readonly string[];
  readonly paused: readonly string[];
}

export interface HostSamplerOptions {
  readonly readers: ProcReaders;
  readonly pilotCpu: PilotCpuSource;
  /** Docker's data root and the configured disk_paths; "/" when empty. */
  readonly diskPaths: readonly string[];
  readonly clock: () => number;
  readonly startedAtMs: number;
  /** The daemon's and the engine's own CPU so far, ms (own-cpu.ts): not the owner's. */
  readonly ownCpu?: { totalMs(): number };
  /** input_idle, sessions, battery (desktop-sources.ts); without it those variables are absent. */
  readonly desktop?: { read(nowMs: number): Promise<DesktopReading> };
}

export interface SampleError {
  /** "cpu", "pilot_cpu", "load", "mem", "mem_psi", or "disk <path>". */
  readonly source: string;
  readonly message: string;
  readonly atMs: number;
  /** A desktop source missing here ("input_interrupts", "logind", "power_supply", "battery"):
   *  its variables are absent. */
  readonly absent?: boolean;
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function normalisePaths(paths: readonly string[]): string[] {
  const unique = [...new Set(paths.filter((p) => p.length > 0))];
  return unique.length > 0 ? unique : ["/"];
}

export class HostSampler {
  private readonly readers: ProcReaders;
  private readonly pilotCpu: PilotCpuSource;
  private readonly clock: () => number;
  private readonly startedAtMs: number;
  private readonly desktop: HostSamplerOptions["desktop"];
  private readonly ownCpu: HostSamplerOptions["ownCpu"];
  private diskPaths: string[];

  /** Last good value of each instant variable (0 until first read): a failing reader keeps it. */
  private readonly last: Record<string, number> = Object.fromEntries(
    INSTANT_VARIABLES.filter((v) => !DAEMON_FILLED.has(v.name) && !ABSENT_WHEN_MISSING.has(v.name)).map(
      (v) => [v.name, 0],
    ),
  );
  private previousCpu: CpuTimes | undefined;
  private previousOwnMs: number | undefined;
  /** When the previous sample was taken: the span of this one (`last` starts at 0, not absent). */
  private previousAtMs: number | undefined;
  private previousPsi: { value: MemPressure; atMs: number } | undefined;
  private readonly lastDisk = new Map<string, DiskSpace>();
  private readonly windows = new Map<WindowedSignal, RollingWindow[]>();
  private errors: SampleError[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: HostSamplerOptions) {
    this.readers = opts.readers;
    this.pilotCpu = opts.pilotCpu;
    this.clock = opts.clock;
    this.startedAtMs = opts.startedAtMs;
    this.desktop = opts.desktop;
    this.ownCpu = opts.ownCpu;
    this.diskPaths = normalisePaths(opts.diskPaths);
    for (const signal of WINDOWED_SIGNALS) {
      this.windows.set(
        signal,
        WINDOW_NAMES.map((w) => new RollingWindow(WINDOWS[w])),
      );
    }
  }

  /** For config reloads; values of paths no longer listed are dropped. */
  setDiskPaths(paths: readonly string[]): void {
    this.diskPaths = normalisePaths(paths);
    for (const p of this.lastDisk.keys()) if (!this.diskPaths.includes(p)) this.lastDisk.delete(p);
  }

  /** Readers that failed on the last sample (their variables kept their previous value). */
  get lastErrors(): readonly SampleError[] {
    return this.errors;
  }

  /** Bytes held by all the rolling windows of all signals. */
  windowMemoryBytes(): number {
    let bytes = 0;
    for (const ws of this.windows.values()) for (const w of ws) bytes += w.memoryBytes;
    return bytes;
  }

  /** One observation. Calls are serialised: an overlapping call waits for the one in flight. */
  sample(pilots: PilotIds): Promise<Observation> {
    const next = this.queue.then(() => this.sampleNow(pilots));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async sampleNow(pilots: PilotIds): Promise<Observation> {
    const nowMs = this.clock();
    const errors: SampleError[] = [];
    const fail = (source: string, err: unknown): void => {
      errors.push({ source, message: message(err), atMs: nowMs });
    };
    const fresh = new Set<WindowedSignal>();
    const v = this.last;
    const paths = this.diskPaths;

    // The pilots' counters first, synchronously, at nowMs: their share is of the span between
    // two samples' nowMs, which the other readers' latency must not stretch.
    let pilotCpu: number | undefined;
    try {
      pilotCpu = clamp01(this.pilotCpu.sample([...pilots.running, ...pilots.paused], nowMs));
    } catch (err) {
      fail("pilot_cpu", err);
    }
    const ownMs = this.ownCpu?.totalMs();

    // Readers run in parallel; attempt() turns a synchronous throw into a rejection too.
    const attempt = <T>(read: () => Promise<T>): Promise<T> => Promise.resolve().then(read);
    const psiReader = this.readers.memPressure?.bind(this.readers);
    const [[cpu, load, mem, psi, desk], disks] = await Promise.all([
      Promise.allSettled([
        attempt(() => this.readers.cpuTimes()),
        attempt(() => this.readers.loadAverage()),
        attempt(() => this.readers.memInfo()),
        attempt(async () => (psiReader ? psiReader() : undefined)),
        attempt(async () => this.desktop?.read(nowMs)),
      ] as const),
      Promise.allSettled(paths.map((p) => attempt(() => this.readers.diskSpace(p)))),
    ]);

    if (cpu.status === "fulfilled") {
      const now = cpu.value;
      const prev = this.previousCpu;
      // The first sample has no previous one: the average since boot beats a blind 0.
      const dBusy = prev ? now.busyTicks - prev.busyTicks : now.busyTicks;
      const dTotal = prev ? now.totalTicks - prev.totalTicks : now.totalTicks;
      if (dTotal > 0) {
        v.cpu_total = clamp01(dBusy / dTotal);
        fresh.add("cpu_total");
        const dOwn = prev && ownMs !== undefined ? ownMs - (this.previousOwnMs ?? ownMs) : 0;
        v.cpu_plancton = clamp01(dOwn / (dTotal * USER_HZ_MS));
      }
      this.previousOwnMs = ownMs;
      v.ncpus = now.ncpus;
      this.previousCpu = now;
    } else fail("cpu", cpu.reason);

    if (pilotCpu !== undefined) {
      v.cpu_pilots = pilotCpu;
      fresh.add("cpu_pilots");
    }
    v.cpu_owner = Math.max(0, v.cpu_total! - v.cpu_pilots! - (v.cpu_plancton ?? 0));
    if (fresh.has("cpu_pilots") && fresh.has("cpu_total")) fresh.add("cpu_owner");

    if (load.status === "fulfilled") {
      const l = load.value;
      v.load1 = l.load1;
      v.load5 = l.load5;
      v.load15 = l.load15;
      fresh.add("load1").add("load5").add("load15");
    } else fail("load", load.reason);

    if (mem.status === "fulfilled") {
      const m = mem.value;
      v.ram_bytes = m.memTotalBytes;
      v.swap_bytes = m.swapTotalBytes;
      v.mem_available_bytes = m.memAvailableBytes;
      v.mem_available_ratio = m.memTotalBytes > 0 ? clamp01(m.memAvailableBytes / m.memTotalBytes) : 0;
      v.swap_used_bytes = Math.max(0, m.swapTotalBytes - m.swapFreeBytes);
      fresh.add("mem_available_bytes").add("mem_available_ratio").add("swap_used_bytes");
    } else fail("mem", mem.reason);

    if (psi.status === "fulfilled" && psi.value !== undefined) {
      const p = psi.value;
      const prev = this.previousPsi;
      // The share of the last interval spent stalled; the first sample has only the kernel's average.
      const dtUs = prev ? (nowMs - prev.atMs) * 1000 : 0;
      v.mem_stall_some =
        prev && dtUs > 0
          ? clamp01((p.someTotalUs - prev.value.someTotalUs) / dtUs)
          : clamp01(p.someAvg10Percent / 100);
      v.mem_psi_some_avg10 = p.someAvg10Percent;
      this.previousPsi = { value: p, atMs: nowMs };
    } else if (psi.status === "rejected") fail("mem_psi", psi.reason);

    // The minimum over all paths; a path that fails keeps its last reading.
    let diskFresh = false;
    paths.forEach((path, i) => {
      const r = disks[i]!;
      if (r.status === "fulfilled") {
        this.lastDisk.set(path, r.value);
        diskFresh = true;
      } else fail(`disk ${path}`, r.reason);
    });
    let minBytes = Infinity;
    let minRatio = Infinity;
    for (const path of paths) {
      const d = this.lastDisk.get(path);
      if (!d) continue;
      minBytes = Math.min(minBytes, d.freeBytes);
      minRatio = Math.min(minRatio, d.freeRatio);
    }
    if (Number.isFinite(minBytes)) {
      v.disk_free_bytes = minBytes;
      v.disk_free_ratio = minRatio;
      if (diskFresh) fresh.add("disk_free_bytes").add("disk_free_ratio");
    }

    // The desktop's variables are absent while their source is: never a stale or made-up 0.
    for (const name of ABSENT_WHEN_MISSING) delete v[name];
    if (desk.status === "fulfilled" && desk.value !== undefined) {
      Object.assign(v, desk.value.values);
      for (const name of Object.keys(desk.value.values)) fresh.add(name as WindowedSignal);
      for (const e of desk.value.errors) errors.push({ ...e, atMs: nowMs, absent: true });
    } else if (desk.status === "rejected") fail("desktop", desk.reason);

    // Pilot counts and local time are the daemon's (daemon/loop/observation.ts): one owner each.
    v.uptime_seconds = Math.max(0, (nowMs - this.startedAtMs) / 1000);
    v.sampled_at_ms = nowMs;
    // The span this sample's rates cover; the first sample has none (its CPU is since boot).
    const spanMs = this.previousAtMs === undefined ? undefined : Math.max(0, nowMs - this.previousAtMs);
    if (spanMs === undefined) delete v.sample_span_ms;
    else v.sample_span_ms = spanMs;
    this.previousAtMs = nowMs;

    const observation: Record<string, number> = {};
    for (const { name } of INSTANT_VARIABLES) if (v[name] !== undefined) observation[name] = v[name];
    for (const signal of WINDOWED_SIGNALS) {
      const value = v[signal];
      if (value === undefined) continue; // absent: so are its means
      const windows = this.windows.get(signal)!;
      const isFresh = fresh.has(signal);
      const weight = SPAN_WEIGHTED.has(signal) ? spanMs || 1 : 1;
      WINDOW_NAMES.forEach((w, i) => {
        const window = windows[i]!;
        if (isFresh) window.add(value, nowMs, weight);
        observation[windowedName(signal, w)] = window.mean(nowMs) ?? value;
      });
    }
    this.errors = errors;
    return Object.freeze(observation);
  }
}
