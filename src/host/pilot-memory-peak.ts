// A pilot's peak memory where the kernel keeps it: cgroup v1 memory.max_usage_in_bytes in
// the memory hierarchy (the same relative path as its cpuacct cgroup), cgroup v2
// memory.peak beside cpu.stat (kernel 5.19 and later). Undefined when absent.
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { CgroupLayout } from "./cgroup-layout.js";

/** The peak file of the cgroup whose CPU counter is at counterPath. */
export function memoryPeakPath(layout: CgroupLayout, counterPath: string): string | undefined {
  const dir = dirname(counterPath);
  if (layout.kind === "v2") return join(dir, "memory.peak");
  if (layout.kind !== "v1" || layout.cpuacctDir === undefined) return undefined;
  const rel = relative(layout.cpuacctDir, dir);
  if (rel.startsWith("..")) return undefined;
  return join(layout.root, "memory", rel, "memory.max_usage_in_bytes");
}

export function readMemoryPeakBytes(path: string | undefined): number | undefined {
  if (path === undefined) return undefined;
  try {
    const text = readFileSync(path, "latin1").trim();
    if (!/^\d{1,20}$/.test(text)) return undefined;
    return Number(text);
  } catch {
    return undefined;
  }
}
