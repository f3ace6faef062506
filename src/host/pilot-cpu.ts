// CPU used by the pilots, read from their cgroups' counter files in one pass.
// Never Docker's API: a stats call per pilot per sample would cost more than the
// whole sample is allowed to. Each read is open + read + close of a file of a
// few bytes into one reused buffer, parsed without making a string.

import { availableParallelism } from "node:os";
import { readKeptBytes } from "./kept-file.js";
import { join } from "node:path";
import { slicePath, type CgroupLayout, type DockerCgroupDriver } from "./cgroup-layout.js";
import { memoryPeakPath, readMemoryPeakBytes } from "./pilot-memory-peak.js";
import type { PilotUsageLedger } from "./pilot-usage.js";

export interface PilotCpuMeterOptions {
  readonly layout: CgroupLayout;
  /** Docker's cgroup driver (`docker info` CgroupDriver). */
  readonly driver: DockerCgroupDriver;
  /**
   * HostConfig.CgroupParent the pilots get (setupPilotParent's cgroupParent); undefined means
   * Docker's default ("/docker" with cgroupfs, "system.slice" with systemd).
   */
  readonly parent?: string;
  /** CPUs of the machine; defaults to os.availableParallelism(). */
  readonly ncpus?: number;
  /** Where each pilot's reading goes for the accounting (the same read as cpu_pilots). */
  readonly usage?: PilotUsageLedger;
}

/** A counter file: cgroup v1 cpuacct.usage (ns) or cgroup v2 cpu.stat's usage_usec. */
export interface Counter {
  readonly path: string;
  readonly unit: "ns" | "usec";
}

interface Tracked {
  readonly counter: Counter;
  lastNs: number;
}

const buffer = Buffer.alloc(128);
const USAGE_USEC = Buffer.from("usage_usec ");

/** First unsigned decimal integer at `from` (skipping spaces); NaN when there is none. */
function parseUint(buf: Buffer, from: number, end: number): number {
  let i = from;
  while (i < end && buf[i] === 0x20) i++;
  let n = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i]! - 0x30;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
    digits++;
  }
  return digits === 0 ? NaN : n;
}

/** The counter's value in ns; undefined when the file is gone or unreadable. */
function readCounterNs(counter: Counter): number | undefined {
  const length = readKeptBytes(counter.path, buffer);
  if (length === undefined) return undefined;
  if (counter.unit === "ns") {
    const ns = parseUint(buffer, 0, length);
    return Number.isNaN(ns) ? undefined : ns;
  }
  // cpu.stat starts with "usage_usec N"; look for it anywhere in the bytes read, to be safe.
  const at = buffer.subarray(0, length).indexOf(USAGE_USEC);
  if (at < 0) return undefined;
  const usec = parseUint(buffer, at + USAGE_USEC.length, length);
  return Number.isNaN(usec) ? undefined : usec * 1000;
}

/**
 * Where the engine puts a container's cgroup, for every parent the pilots may be under:
 * the configured one first, then the engine's default (pilots started before a change of
 * priority keep their old parent until they end). Docker names it `<id>` (cgroupfs) or
 * `docker-<id>.scope` (systemd); Podman `libpod-<id>` or `libpod-<id>.scope` (with the
 * process in a `container` child, which the scope's counters include). Both engines'
 * names are tried: a miss costs one failed open, once per new container.
 */
export function containerCounterCandidates(
  layout: CgroupLayout,
  driver: DockerCgroupDriver,
  cgroupParent: string | undefined,
  id: string,
): Counter[] {
  const where =
    layout.kind === "v1"
      ? { base: layout.cpuacctDir, file: "cpuacct.usage", unit: "ns" as const }
      : layout.kind === "v2"
        ? { base: layout.unifiedDir, file: "cpu.stat", unit: "usec" as const }
        : undefined;
  if (where?.base === undefined) return [];
  const { base, file, unit } = where;
  const systemd = driver === "systemd";
  // user.slice: a rootless engine's default, under the user's manager (the user's tree is the base then).
  const parents = systemd
    ? [cgroupParent, "system.slice", "machine.slice", "user.slice"]
    : [cgroupParent, "/docker", "/libpod_parent"];
  const names = systemd ? [`docker-${id}.scope`, `libpod-${id}.scope`] : [id, `libpod-${id}`];
  const seen = new Set<string>();
  const counters: Counter[] = [];
  for (const parent of parents) {
    if (parent === undefined) continue;
    for (const name of names) {
      const dir = join(base, systemd ? slicePath(parent) : parent.replace(/^\/+/, ""), name);
      if (seen.has(dir)) continue;
      seen.add(dir);
      counters.push({ path: join(dir, file), unit });
    }
  }
  return counters;
}

export class PilotCpuMeter {
  private readonly layout: CgroupLayout;
  private readonly driver: DockerCgroupDriver;
  private readonly cgroupParent: string | undefined;
  private readonly ncpus: number;
  private tracked = new Map<string, Tracked>();
  private lastSampleMs: number | undefined;
  private missing: string[] = [];
  private readonly usage: PilotUsageLedger | undefined;

  constructor(opts: PilotCpuMeterOptions) {
    this.layout = opts.layout;
    this.driver = opts.driver;
    this.cgroupParent = opts.parent;
    this.ncpus = Math.max(1, opts.ncpus ?? availableParallelism());
    this.usage = opts.usage;
    this.usage?.setFinalReader((ids, nowMs) => this.readFinal(ids, nowMs));
  }

  /** Reads these pilots' counters and memory peaks once more, into the usage ledger. */
  readFinal(ids: readonly string[], nowMs: number): void {
    for (const id of ids) {
      const known = this.tracked.get(id)?.counter;
      const counters = known
        ? [known]
        : containerCounterCandidates(this.layout, this.driver, this.cgroupParent, id);
      for (const counter of counters) {
        const ns = readCounterNs(counter);
        if (ns === undefined) continue;
        this.usage?.note(id, ns, nowMs);
        const peak = readMemoryPeakBytes(memoryPeakPath(this.layout, counter.path));
        if (peak !== undefined) this.usage?.notePeak(id, peak);
        break;
      }
    }
  }

  /** Containers whose counter could not be found or read on the last sample (they counted 0). */
  get lastMissing(): readonly string[] {
    return this.missing;
  }

  /** Containers currently tracked (with a baseline). */
  get trackedCount(): number {
    return this.tracked.size;
  }

  /**
   * CPU fraction of the whole machine (0..1) used by these containers since the previous
   * sample. A container seen for the first time counts its whole counter (it started since
   * the previous sample; on the very first sample everything counts 0); a container
   * absent from the list is forgotten; a counter that went backwards counts 0.
   * Container ids must be full ids (the cgroup directories are named after them).
   */
  sample(containerIds: readonly string[], nowMs: number): number {
    const elapsedMs = this.lastSampleMs === undefined ? 0 : nowMs - this.lastSampleMs;
    this.lastSampleMs = nowMs;
    const next = new Map<string, Tracked>();
    const missing: string[] = [];
    let deltaNs = 0;

    for (const id of containerIds) {
      if (next.has(id)) continue;
      const known = this.tracked.get(id);
      if (known) {
        const ns = readCounterNs(known.counter);
        if (ns === undefined) {
          missing.push(id); // gone between the listing and now; a later sample looks it up afresh
          continue;
        }
        if (ns > known.lastNs) deltaNs += ns - known.lastNs;
        known.lastNs = ns;
        this.usage?.note(id, ns, nowMs);
        next.set(id, known);
        continue;
      }
      let found = false;
      for (const counter of containerCounterCandidates(this.layout, this.driver, this.cgroupParent, id)) {
        const ns = readCounterNs(counter);
        if (ns === undefined) continue;
        next.set(id, { counter, lastNs: ns });
        this.usage?.note(id, ns, nowMs);
        // A container new since the previous sample started within it: all its CPU is
        // this interval's. Counting 0 would lend a new pilot's first work to the owner.
        deltaNs += ns;
        found = true;
        break;
      }
      if (!found) missing.push(id);
    }

    this.tracked = next;
    this.missing = missing;
    this.usage?.sampled(nowMs);
    if (!(elapsedMs > 0)) return 0;
    const fraction = deltaNs / (elapsedMs * 1e6 * this.ncpus);
    return Math.min(1, Math.max(0, fraction));
  }
}
