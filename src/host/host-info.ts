// Static facts about the machine (CPU model, cores, memory, OS, kernel, the filesystem
// of Docker's data root), gathered once at start with systeminformation, bounded in
// time: what status, the metrics tags and a fleet registration show about a host.
// Never on the sampling path: the 2 s samples read /proc directly (proc-readers.ts).
import os from "node:os";

export interface HostInfo {
  /** e.g. "AMD EPYC 7763 64-Core Processor". */
  cpuModel: string;
  /** Logical CPUs (what ncpus counts). */
  cpuCores: number;
  physicalCores: number;
  memTotalBytes: number;
  /** Distribution and release, e.g. "Debian GNU/Linux 12". */
  os: string;
  kernel: string;
  arch: string;
  /** The filesystem holding Docker's data root, when it was given and found. */
  dockerRoot?: { path: string; mount: string; fsType: string; device: string; sizeBytes: number };
  /** Facts systeminformation did not give in time (or at all): filled from node:os, or left out. */
  partial?: string[];
}

/** The part of systeminformation used here (tests inject a fake). */
export interface SystemInfoLike {
  cpu(): Promise<{ manufacturer: string; brand: string; cores: number; physicalCores: number }>;
  mem(): Promise<{ total: number }>;
  osInfo(): Promise<{ distro: string; release: string; kernel: string; arch: string }>;
  fsSize(): Promise<{ fs: string; type: string; size: number; mount: string }[]>;
}

export interface GatherOptions {
  /** Docker's data root (EngineInfo.dockerRootDir); without it, dockerRoot is left out. */
  dockerRootDir?: string;
  /** Bound of each query; default 5000 ms. */
  timeoutMs?: number;
  si?: SystemInfoLike;
}

async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([p.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The four modules of systeminformation used here, not its index: the index loads every
 * module (audio, wifi, printers, ...) and costs the daemon ~10 MiB of RSS, these ~3 MiB.
 * (The package has no "exports" map; lib/ is its layout since v4.)
 */
async function loadSystemInfo(): Promise<SystemInfoLike> {
  const [cpu, mem, osi, fs] = await Promise.all([
    import("systeminformation/lib/cpu.js"),
    import("systeminformation/lib/memory.js"),
    import("systeminformation/lib/osinfo.js"),
    import("systeminformation/lib/filesystem.js"),
  ]);
  return {
    cpu: () => cpu.default.cpu(),
    mem: () => mem.default.mem(),
    osInfo: () => osi.default.osInfo(),
    fsSize: () => fs.default.fsSize(),
  };
}

/** The mount holding `dir`: the longest mount point that is `dir` or one of its parents. */
export function mountOf<T extends { mount: string }>(mounts: readonly T[], dir: string): T | undefined {
  const inside = (m: string) => m === "/" || dir === m || dir.startsWith(m.endsWith("/") ? m : `${m}/`);
  return mounts.filter((m) => inside(m.mount)).sort((a, b) => b.mount.length - a.mount.length)[0];
}

/** Never throws and never takes much longer than timeoutMs: what is missing falls back to node:os. */
export async function gatherHostInfo(opts: GatherOptions = {}): Promise<HostInfo> {
  const ms = opts.timeoutMs ?? 5000;
  const si = opts.si ?? (await within(loadSystemInfo(), ms));
  const [cpu, mem, osi, fs] = await Promise.all([
    si ? within(si.cpu(), ms) : undefined,
    si ? within(si.mem(), ms) : undefined,
    si ? within(si.osInfo(), ms) : undefined,
    si && opts.dockerRootDir !== undefined ? within(si.fsSize(), ms) : undefined,
  ]);
  const partial: string[] = [];
  const cpus = os.cpus();
  if (!cpu) partial.push("cpu");
  if (!mem) partial.push("mem");
  if (!osi) partial.push("os");
  const info: HostInfo = {
    cpuModel: cpu ? `${cpu.manufacturer} ${cpu.brand}`.trim() : (cpus[0]?.model ?? "unknown").trim(),
    cpuCores: cpu?.cores || cpus.length,
    physicalCores: cpu?.physicalCores || cpu?.cores || cpus.length,
    memTotalBytes: mem?.total || os.totalmem(),
    os: osi ? `${osi.distro} ${osi.release}`.trim() : `${os.type()}`,
    kernel: osi?.kernel || os.release(),
    arch: osi?.arch || os.arch(),
  };
  if (opts.dockerRootDir !== undefined) {
    const m = fs ? mountOf(fs, opts.dockerRootDir) : undefined;
    if (m)
      info.dockerRoot = {
        path: opts.dockerRootDir,
        mount: m.mount,
        fsType: m.type,
        device: m.fs,
        sizeBytes: m.size,
      };
    else partial.push("docker root filesystem");
  }
  if (partial.length > 0) info.partial = partial;
  return info;
}
