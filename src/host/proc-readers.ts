// Readers of the host's counters: /proc/stat, /proc/loadavg, /proc/meminfo,
// /proc/pressure/memory (PSI, Linux 4.20+) and statfs(2). The parse functions are pure (file text in, numbers
// out) so tests
// feed them fixtures; ProcReaders groups the async reads so the sampler's tests
// inject fakes.

import { readFile, statfs } from "node:fs/promises";
import { join } from "node:path";

/** USER_HZ in ms: /proc counts CPU time in 1/100 s on every Linux architecture that matters. */
export const USER_HZ_MS = 10;

/**
 * Field n (1-based, as proc(5) numbers them) of a /proc/PID/stat line, from field 3 on: the
 * command name (field 2) is in parentheses and may hold spaces or ")".
 */
export function procStatField(stat: string, n: number): string | undefined {
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[n - 3];
}

/** Cumulative CPU time of the aggregate "cpu" line, in clock ticks. */
export interface CpuTimes {
  /** total - idle - iowait */
  readonly busyTicks: number;
  /** user + nice + system + idle + iowait + irq + softirq + steal (guest time is already in user/nice). */
  readonly totalTicks: number;
  /** Number of per-CPU lines ("cpu0", "cpu1", ...): online CPUs. */
  readonly ncpus: number;
}

export interface LoadAverage {
  readonly load1: number;
  readonly load5: number;
  readonly load15: number;
}

export interface MemInfo {
  readonly memTotalBytes: number;
  readonly memAvailableBytes: number;
  readonly swapTotalBytes: number;
  readonly swapFreeBytes: number;
}

/** The "some" line of /proc/pressure/memory: share of time at least one task waited for memory. */
export interface MemPressure {
  /** The kernel's 10 s average, percent (0..100). */
  readonly someAvg10Percent: number;
  /** Cumulative stall time since boot, microseconds. */
  readonly someTotalUs: number;
}

export interface DiskSpace {
  /** Bytes available to unprivileged users: bavail * bsize. */
  readonly freeBytes: number;
  readonly totalBytes: number;
  /** bavail / blocks (0 when the file system reports no blocks). */
  readonly freeRatio: number;
}

export interface ProcReaders {
  cpuTimes(): Promise<CpuTimes>;
  loadAverage(): Promise<LoadAverage>;
  memInfo(): Promise<MemInfo>;
  diskSpace(path: string): Promise<DiskSpace>;
  /** Optional: fakes written before PSI need not have it (the stall then reads 0). */
  memPressure?(): Promise<MemPressure>;
}

export function parseProcStat(text: string): CpuTimes {
  let aggregate: number[] | undefined;
  let ncpus = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("cpu")) continue;
    const fields = line.trim().split(/\s+/);
    const label = fields[0]!;
    if (label === "cpu") aggregate = fields.slice(1).map(Number);
    else if (/^cpu\d+$/.test(label)) ncpus++;
  }
  if (!aggregate || aggregate.length < 4 || aggregate.some((n) => !Number.isFinite(n))) {
    throw new Error('/proc/stat: no valid aggregate "cpu" line');
  }
  // user nice system idle iowait irq softirq steal [guest guest_nice]
  const at = (i: number): number => aggregate[i] ?? 0;
  const totalTicks = at(0) + at(1) + at(2) + at(3) + at(4) + at(5) + at(6) + at(7);
  const busyTicks = totalTicks - at(3) - at(4);
  return { busyTicks, totalTicks, ncpus: Math.max(1, ncpus) };
}

export function parseLoadavg(text: string): LoadAverage {
  const [a, b, c] = text.trim().split(/\s+/).map(Number);
  if (a === undefined || b === undefined || c === undefined || ![a, b, c].every(Number.isFinite)) {
    throw new Error(`/proc/loadavg: cannot parse ${JSON.stringify(text.slice(0, 80))}`);
  }
  return { load1: a, load5: b, load15: c };
}

export function parseMeminfo(text: string): MemInfo {
  const kib = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^(\w+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (m) kib.set(m[1]!, Number(m[2]));
  }
  const get = (key: string): number | undefined => {
    const v = kib.get(key);
    return v === undefined ? undefined : v * 1024;
  };
  const memTotalBytes = get("MemTotal");
  if (memTotalBytes === undefined) throw new Error("/proc/meminfo: no MemTotal");
  // MemAvailable appeared in Linux 3.14; before it, free + buffers + page cache is the usual estimate.
  const memAvailableBytes =
    get("MemAvailable") ?? (get("MemFree") ?? 0) + (get("Buffers") ?? 0) + (get("Cached") ?? 0);
  return {
    memTotalBytes,
    memAvailableBytes,
    swapTotalBytes: get("SwapTotal") ?? 0,
    swapFreeBytes: get("SwapFree") ?? 0,
  };
}

export function parsePressure(text: string): MemPressure {
  const m = /^some\s+avg10=([\d.]+)\s+avg60=[\d.]+\s+avg300=[\d.]+\s+total=(\d+)\s*$/m.exec(text);
  if (!m)
    throw new Error(
      `/proc/pressure/memory: no "some avg10=... total=..." line in ${JSON.stringify(text.slice(0, 80))}`,
    );
  return { someAvg10Percent: Number(m[1]), someTotalUs: Number(m[2]) };
}

export function diskSpaceFromStatfs(s: { bsize: number; blocks: number; bavail: number }): DiskSpace {
  return {
    freeBytes: s.bavail * s.bsize,
    totalBytes: s.blocks * s.bsize,
    freeRatio: s.blocks > 0 ? s.bavail / s.blocks : 0,
  };
}

/** Readers of the real host. procRoot is configurable (a fake /proc in tests, /host/proc in a container). */
export function procReaders(procRoot = "/proc"): ProcReaders {
  const statPath = join(procRoot, "stat");
  const loadavgPath = join(procRoot, "loadavg");
  const meminfoPath = join(procRoot, "meminfo");
  const pressurePath = join(procRoot, "pressure", "memory");
  return {
    cpuTimes: async () => parseProcStat(await readFile(statPath, "utf8")),
    loadAverage: async () => parseLoadavg(await readFile(loadavgPath, "utf8")),
    memInfo: async () => parseMeminfo(await readFile(meminfoPath, "utf8")),
    diskSpace: async (path) => diskSpaceFromStatfs(await statfs(path)),
    memPressure: async () => parsePressure(await readFile(pressurePath, "utf8")),
  };
}
