// What the kernel says about a container, read without Plancton's code: which
// cgroup its processes are in (from /proc/<pid>/cgroup), how much CPU they used
// (from /proc/<pid>/stat), whether it is frozen, and the parent's weight files.
// The scenarios compare these with what the daemon reports.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";

export const CGROUP_ROOT = "/sys/fs/cgroup";
const CLK_TCK = 100; // USER_HZ on every Linux/x86 build

export function cgroupV2(): boolean {
  return existsSync(path.join(CGROUP_ROOT, "cgroup.controllers"));
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** The pids whose cgroup path names the container id (docker-<id>.scope, /plancton/<id>, libpod-<id>...). */
export function containerPids(id: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    if (read(`/proc/${entry}/cgroup`)?.includes(id)) pids.push(Number(entry));
  }
  return pids;
}

/** The process's cgroup path for the cpu controller (v1) or the unified one (v2). */
export function cpuCgroupOf(pid: number): string | undefined {
  for (const line of (read(`/proc/${pid}/cgroup`) ?? "").split("\n")) {
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const p = line.slice(second + 1);
    if (cgroupV2() ? controllers === "" : controllers.split(",").includes("cpu")) return p;
  }
  return undefined;
}

/** Seconds of CPU used so far by these processes (utime + stime). */
export function cpuSecondsOf(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = read(`/proc/${pid}/stat`);
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLK_TCK;
}

/** Busy seconds of all CPUs together since boot, from /proc/stat. */
export function machineBusySeconds(): number {
  const cpu = (read("/proc/stat") ?? "").split("\n")[0]!.split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - idle) / CLK_TCK;
}

/** Whether the cgroup holding this pid is frozen: v2 cgroup.events "frozen 1", v1 freezer.state FROZEN. */
export function frozen(pid: number): boolean | undefined {
  const lines = (read(`/proc/${pid}/cgroup`) ?? "").split("\n");
  if (cgroupV2()) {
    const p = lines.find((l) => l.startsWith("0::"))?.slice(3);
    if (p === undefined) return undefined;
    // The freeze may be set on the scope or on its parent, look up to the root.
    for (
      let dir = path.join(CGROUP_ROOT, p);
      dir.startsWith(CGROUP_ROOT) && dir !== CGROUP_ROOT;
      dir = path.dirname(dir)
    ) {
      if (/^frozen 1$/m.test(read(path.join(dir, "cgroup.events")) ?? "")) return true;
    }
    return false;
  }
  const line = lines.find((l) => l.split(":")[1]?.split(",").includes("freezer"));
  if (!line) return undefined;
  const state = read(
    path.join(CGROUP_ROOT, "freezer", line.split(":").slice(2).join(":"), "freezer.state"),
  )?.trim();
  return state === undefined ? undefined : state === "FROZEN";
}

/** The CPU priority files of a top-level parent cgroup, as the kernel has them now. */
export function parentWeight(parent: string): Record<string, string> {
  const dir = cgroupV2() ? path.join(CGROUP_ROOT, parent) : path.join(CGROUP_ROOT, "cpu", parent);
  const files: Record<string, string> = {};
  for (const f of ["cpu.idle", "cpu.weight", "cpu.shares"]) {
    const v = read(path.join(dir, f))?.trim();
    if (v !== undefined) files[f] = v;
  }
  return files;
}

/** Idle priority really in effect: cpu.idle=1, or the lowest weight (v2 cpu.weight=1, v1 cpu.shares=2). */
export function weightIsIdle(files: Record<string, string>): boolean {
  return (
    files["cpu.idle"] === "1" || (cgroupV2() ? files["cpu.weight"] === "1" : files["cpu.shares"] === "2")
  );
}

/** The names beside a top-level cgroup in the cpu hierarchy's root. */
export function topLevelNames(): string[] {
  const dir = cgroupV2() ? CGROUP_ROOT : path.join(CGROUP_ROOT, "cpu");
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
}
