// Where a service's tail comes from (issue 25, deliverable 4): `perf sched record` over a
// load, then `perf sched timehist`: for each time a task of the service was switched in, its
// scheduling delay (woken -> running, the kernel's own sched_wakeup/sched_switch stamps).
// Delays near alone's beside the pilots say the guest's scheduler gives the CPU back at
// once and the tail is elsewhere (the CPU running slower: cache, a shared physical core, the
// hypervisor); delays that grow say the scheduler (wakeup placement, preemption) is the cause.
// Needs linux-perf (scripts/prepare-bench.sh) and tracefs; absent, the study is skipped and says so.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { max, quantile, round } from "./stats.js";
import { run } from "./tools.js";

export interface SchedDelays {
  /** Runs of the service's tasks seen (one per switch-out). */
  readonly runs: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly maxUs: number;
}

/** Why the study cannot run here, or undefined when it can. */
export function perfSchedMissing(): string | undefined {
  try {
    execFileSync("perf", ["--version"], { stdio: "ignore" });
  } catch {
    return "perf not installed (linux-perf)";
  }
  if (!existsSync("/sys/kernel/tracing/events/sched")) {
    try {
      execFileSync("mount", ["-t", "tracefs", "nodev", "/sys/kernel/tracing"], { stdio: "ignore" });
    } catch {
      return "tracefs not mounted at /sys/kernel/tracing and could not be";
    }
  }
  return undefined;
}

/** Records the whole machine's scheduler events while `load` runs; the delays of `comms`' tasks. */
export async function schedDelaysDuring(
  comms: readonly string[],
  load: () => Promise<unknown>,
  seconds: number,
): Promise<SchedDelays> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "plancton-bench-perf-"));
  const data = path.join(dir, "perf.data");
  try {
    const recorded = run("perf", ["sched", "record", "-a", "-o", data, "--", "sleep", String(seconds)], {
      timeoutMs: (seconds + 60) * 1000,
    });
    await load();
    await recorded;
    const text = await run("perf", ["sched", "timehist", "-i", data], { timeoutMs: 120_000 });
    return delaysOf(text, comms);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** timehist lines: time [cpu] task[tid/pid] wait sch-delay run (ms); the task name may hold spaces. */
export function delaysOf(timehist: string, comms: readonly string[]): SchedDelays {
  const us: number[] = [];
  for (const line of timehist.split("\n")) {
    const m = /^\s*[\d.]+\s+\[\d+\]\s+(.+?)\[[\d/]+\]\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$/.exec(line);
    if (m && comms.some((c) => m[1]!.startsWith(c))) us.push(Number(m[3]) * 1000);
  }
  return {
    runs: us.length,
    p50Us: round(quantile(us, 0.5), 1),
    p99Us: round(quantile(us, 0.99), 1),
    p999Us: round(quantile(us, 0.999), 1),
    maxUs: round(max(us), 1),
  };
}
