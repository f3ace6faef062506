// The owner's CPU between samples, read often enough that owner-arrives -> first pilot
// frozen fits in 0.5 s (issue 25) for almost nothing: two small reads per period, the
// machine's busy time (/proc/stat's first line) and the pilots' parent cgroup's usage
// (one counter for all pilots: v1 cpuacct.usage, v2 cpu.stat usage_usec). The owner's
// share of the period is busy - pilots - Plancton's own (own-cpu.ts: the daemon's, and the
// engine's while it works for the daemon, read only then); when it rose above the last sample's by at least
// `riseCores`, the daemon samples at once (the policy decides on that sample, as ever).

import { join } from "node:path";
import { slicePath, type CgroupLayout, type DockerCgroupDriver } from "./cgroup-layout.js";
import { readKept } from "./kept-file.js";
import { USER_HZ_MS } from "./proc-readers.js";

export interface OwnerCpuWatchOptions {
  /** The pilots' parent's usage counter; undefined: no parent (the whole machine's busy time). */
  readonly parentCounter?: { readonly path: string; readonly unit: "ns" | "usec" };
  readonly ncpus: number;
  /** Default /proc/stat. */
  readonly stat?: string;
  /** The daemon's and the engine's own CPU so far, ms (own-cpu.ts): not the owner's. */
  readonly ownMs?: () => number;
  /** A rise of this many cores over the last sample wakes (default 0.5). */
  readonly riseCores?: number;
}

interface Reading {
  readonly busyMs: number;
  readonly totalMs: number;
  readonly pilotsMs: number;
  readonly ownMs: number;
}

export class OwnerCpuWatch {
  private last?: Reading;

  constructor(
    private readonly opts: OwnerCpuWatchOptions,
    private readonly read: (path: string) => string | undefined = readKept,
  ) {}

  describe(): string {
    return `${this.opts.stat ?? "/proc/stat"} - ${this.opts.parentCounter?.path ?? "(no pilots' parent)"}`;
  }

  /**
   * One period; sampledOwner: cpu_owner (0..1) of the last sample. Returns the owner's
   * share of the period when it rose by riseCores or more, else undefined.
   */
  check(sampledOwner: number | undefined): number | undefined {
    const now = this.reading();
    const prev = this.last;
    this.last = now;
    if (!now || !prev) return undefined;
    const totalMs = now.totalMs - prev.totalMs;
    if (!(totalMs > 0)) return undefined;
    const pilotsMs = Math.max(0, now.pilotsMs - prev.pilotsMs);
    const ownMs = Math.max(0, now.ownMs - prev.ownMs);
    const owner = Math.min(1, Math.max(0, (now.busyMs - prev.busyMs - pilotsMs - ownMs) / totalMs));
    const rise = (this.opts.riseCores ?? 0.5) / Math.max(1, this.opts.ncpus);
    return owner - (sampledOwner ?? 0) >= rise ? owner : undefined;
  }

  private reading(): Reading | undefined {
    const line = /^cpu\s+([\d ]+)/m.exec(this.read(this.opts.stat ?? "/proc/stat") ?? "");
    if (!line) return undefined;
    // user nice system idle iowait irq softirq steal (guest is inside user)
    const f = line[1]!.trim().split(/\s+/).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const busy = f.slice(0, 8).reduce((s, x) => s + x, 0) - idle;
    let pilotsMs = 0;
    const c = this.opts.parentCounter;
    if (c) {
      const text = this.read(c.path) ?? "";
      const n = Number(c.unit === "ns" ? text.trim() : /usage_usec (\d+)/.exec(text)?.[1]);
      if (!Number.isFinite(n)) return undefined;
      pilotsMs = c.unit === "ns" ? n / 1e6 : n / 1e3;
    }
    const ownMs = this.opts.ownMs?.() ?? 0;
    return { busyMs: busy * USER_HZ_MS, totalMs: (busy + idle) * USER_HZ_MS, pilotsMs, ownMs };
  }
}

/**
 * The pilots' parent's usage counter: cgroupParent "/plancton" (cgroupfs) or
 * "plancton.slice" (systemd). Undefined without a parent of their own: Docker's default
 * parents hold other containers, and systemd's system.slice every service.
 */
export function parentCounter(
  layout: CgroupLayout,
  driver: DockerCgroupDriver,
  cgroupParent: string | undefined,
): OwnerCpuWatchOptions["parentCounter"] {
  if (cgroupParent === undefined) return undefined;
  const rel = driver === "systemd" ? slicePath(cgroupParent) : cgroupParent.replace(/^\/+/, "");
  if (layout.kind === "v1" && layout.cpuacctDir !== undefined)
    return { path: join(layout.cpuacctDir, rel, "cpuacct.usage"), unit: "ns" };
  if (layout.kind === "v2") return { path: join(layout.unifiedDir, rel, "cpu.stat"), unit: "usec" };
  return undefined;
}
