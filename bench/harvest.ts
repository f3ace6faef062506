// Harvest ratio (issue 14): pilots' CPU-seconds / idle CPU-seconds of the same owner
// trace run without pilots, with the real daemon (its own sampler), cpus_per_dock 1,
// max_docks 2, busy pilots, on two owner traces: "idle" (no owner load) and "bursty"
// (a seeded sequence of 0, 1 or 2 busy shell loops, 3 s each). Each trace runs three
// times back to back: without pilots (the reference: the host's idle CPU-seconds from
// /proc/stat), with the daemon at pilot_cpu_priority idle (the new start rule) and at
// normal (the original's rule). Pilot CPU comes from each pilot's cpuacct cgroup.
// The machine's other load (other engineers' tests) is part of every run alike.
// Target: >= 0.95 of the idle cores on the idle trace at idle priority.
// Run: node --import tsx bench/harvest.ts   (PLANCTON_BENCH_HARVEST_SECONDS, default 30)
import { readFileSync } from "node:fs";
import os from "node:os";
import { startBenchDaemon } from "./support/bench-daemon.js";
import { docker, removeInstance, requireDocker } from "./support/docker.js";
import type { Figure } from "./support/figures.js";
import { startBusyLoad, type BusyLoad } from "./support/owner-load.js";
import { benchMain, isMain, type BenchContext, type BenchOutput } from "./support/runner.js";
import { round } from "./support/stats.js";
import { benchProfile } from "./support/profile.js";
import { PolicySim, hostObs, seededRandom } from "../test/helpers/policy-sim.js";
import { poll, sleep } from "./support/wait.js";

const SECONDS = Number(process.env.PLANCTON_BENCH_HARVEST_SECONDS ?? 15);
/** PLANCTON_BENCH_PROFILE: the defaults or an anchor's policy (bench/profiles/). */
const profile = benchProfile();
/** Length of the policy-only replay of the traces (see simulate()). */
const SIM_SECONDS = 3600;
const STEP_S = 3;
const BUSY = ["sh", "-c", "while :; do :; done"];
type Trace = "idle" | "bursty";

/** Busy loops per step of the trace. */
function trace(kind: Trace, ncpus: number, seconds = SECONDS): number[] {
  const rnd = seededRandom(1414);
  return Array.from({ length: Math.ceil(seconds / STEP_S) }, () =>
    kind === "idle" ? 0 : Math.floor(rnd() * (ncpus + 1)),
  );
}

/**
 * The same traces replayed through the policy alone (decide() every sample_interval 2 s,
 * the daemon's defaults otherwise), with the kernel's share modelled: at idle priority the
 * pilots get exactly the cores the owner leaves; at normal they get at most those too
 * (harvest counts idle CPU used). Harvest = sum of min(pilot cores, idle cores) / sum of
 * idle cores. For a host with no idle CPU to measure (this shared one).
 */
function simulate(kind: Trace, priority: "idle" | "normal", ncpus: number): number {
  const steps = trace(kind, ncpus, SIM_SECONDS);
  const sim = new PolicySim({
    cfg: {
      cpusPerDock: 1,
      maxDocks: 2,
      docksPerLoop: 4,
      cpuPriority: priority,
      maxDockMemBytes: 64 * 2 ** 20,
    },
  });
  let used = 0;
  let idle = 0;
  for (const busy of steps) {
    for (let t = 0; t < STEP_S; t += 1) {
      if (t % 2 === 0)
        sim.step(
          hostObs({
            ncpus,
            cpu_owner: busy / ncpus,
            cpu_total: Math.min(1, (busy + sim.count("running")) / ncpus),
          }),
        );
      sim.advance(1);
      const free = ncpus - busy;
      idle += free;
      used += Math.min(free, sim.count("running"));
    }
  }
  return idle > 0 ? used / idle : NaN;
}

/** Host idle CPU-seconds so far (idle + iowait of /proc/stat, USER_HZ 100). */
function idleSeconds(): number {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  return ((f[3] ?? 0) + (f[4] ?? 0)) / 100;
}

/** CPU-seconds used so far by each container (cpuacct.usage of its cgroup, found from its init's /proc/<pid>/cgroup). */
async function containerCpuSeconds(ids: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const id of ids) {
    try {
      const pid = ((await docker.getContainer(id).inspect()) as { State: { Pid: number } }).State.Pid;
      const line = readFileSync(`/proc/${pid}/cgroup`, "utf8")
        .split("\n")
        .find((l) => /(^|[:,])cpuacct([:,])/.test(l));
      const rel = line?.split(":")[2];
      if (rel === undefined) continue;
      out.set(id, Number(readFileSync(`/sys/fs/cgroup/cpuacct${rel}/cpuacct.usage`, "utf8")) / 1e9);
    } catch {
      // gone meanwhile: its CPU is lost to the count (said in the notes)
    }
  }
  return out;
}

async function playTrace(steps: readonly number[], during?: () => Promise<void>): Promise<void> {
  for (const n of steps) {
    const load: BusyLoad | undefined = n > 0 ? startBusyLoad(n) : undefined;
    await sleep(STEP_S * 1000);
    await load?.stop();
    await during?.();
  }
}

interface Run {
  idleS: number;
  pilotS: number;
  pilotsSeen: number[];
  lost: number;
}

async function withDaemon(
  ctx: BenchContext,
  kind: Trace,
  priority: "idle" | "normal",
  steps: readonly number[],
): Promise<Run> {
  const instance = `pb-harvest-${ctx.runId}-${kind}-${priority}`;
  ctx.onCleanup(() => removeInstance(instance));
  const d = await startBenchDaemon(instance, {
    docker_cmd: BUSY,
    cpus_per_dock: 1,
    max_docks: 2,
    docks_per_loop: 2,
    max_dock_mem: "64MiB",
    pilot_cpu_priority: priority,
    main_sleep: 5,
    sample_interval: 2,
    ...profile.config,
  });
  ctx.onCleanup(() => d.close());
  try {
    // As many pilots as the daemon's rule starts on this host now (up to 20 s to settle).
    await poll(
      "the daemon's first pilots",
      () => d.daemon.snapshot().pilots.length > 0 || undefined,
      30_000,
      200,
    ).catch(() => undefined);
    await sleep(8000);
    const ids0 = d.daemon.snapshot().pilots.map((p) => p.id);
    const full = async () =>
      (
        await docker.listContainers({ all: true, filters: { label: [`org.plancton.instance=${instance}`] } })
      ).map((c) => c.Id);
    const before = await containerCpuSeconds(await full());
    const idle0 = idleSeconds();
    const seen: number[] = [];
    await playTrace(
      steps,
      async () => void seen.push(d.daemon.snapshot().pilots.filter((p) => p.state === "running").length),
    );
    const ids = await full();
    const after = await containerCpuSeconds(ids);
    let pilotS = 0;
    for (const [id, s] of after) pilotS += s - (before.get(id) ?? 0);
    return {
      idleS: idleSeconds() - idle0,
      pilotS,
      pilotsSeen: seen,
      lost: ids0.filter((id) => !ids.some((x) => x.startsWith(id))).length,
    };
  } finally {
    await d.close();
    await removeInstance(instance);
  }
}

export async function benchHarvest(ctx: BenchContext): Promise<BenchOutput> {
  await requireDocker();
  const ncpus = os.cpus().length;
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  for (const kind of ["idle", "bursty"] as const) {
    const steps = trace(kind, ncpus);
    const idle0 = idleSeconds();
    await playTrace(steps);
    const reference = idleSeconds() - idle0;
    const idle = await withDaemon(ctx, kind, "idle", steps);
    const normal = await withDaemon(ctx, kind, "normal", steps);
    details[kind] = { steps, referenceIdleS: reference, idle, normal };
    ctx.log(
      `${kind}: reference idle ${round(reference, 1)} CPU-s; idle priority: pilots ${round(idle.pilotS, 1)} CPU-s (${idle.pilotsSeen.join(",")} running); normal: ${round(normal.pilotS, 1)} CPU-s (${normal.pilotsSeen.join(",")})`,
    );
    for (const priority of ["idle", "normal"] as const) {
      const v = simulate(kind, priority, ncpus);
      figures.push({
        id: `harvest.sim_${kind}_${priority}`,
        figure: `harvest (policy replay, ${SIM_SECONDS / 60} min), ${kind} owner trace, pilot_cpu_priority ${priority}`,
        value: v,
        unit: "",
        display: round(v, 2).toFixed(2),
        reference: "idle cores the trace leaves",
        ...(kind === "idle" && priority === "idle" ? { target: ">= 0.95", pass: v >= 0.95 } : {}),
      });
    }
    for (const [priority, r] of [
      ["idle", idle],
      ["normal", normal],
    ] as const) {
      const ratio = reference > 0.5 ? r.pilotS / reference : NaN;
      figures.push({
        id: `harvest.${kind}_${priority}${profile.suffix}`,
        figure: `harvest, ${kind} owner trace, pilot_cpu_priority ${priority}, ${profile.name} policy (pilots' CPU-s / idle CPU-s without pilots)`,
        value: Number.isFinite(ratio) ? ratio : null,
        unit: "",
        display: `${Number.isFinite(ratio) ? round(ratio, 2) : "n/a"} (${round(r.pilotS, 1)} of ${round(reference, 1)} idle CPU-s; pilots running per step ${r.pilotsSeen.join(",")})`,
        reference: `${SECONDS} s trace, ${ncpus} CPUs`,
        ...(kind === "idle" && priority === "idle" ? { target: ">= 0.95", pass: ratio >= 0.95 } : {}),
        ...(Number.isFinite(ratio)
          ? {}
          : {
              note: "the host had no idle CPU during the reference run (other work took it all): nothing to harvest",
            }),
      });
    }
  }
  return {
    figures,
    notes: [
      `each trace ${SECONDS} s in ${STEP_S} s steps; load average ${round(os.loadavg()[0]!, 1)} at the end: other work on the host is in the reference too`,
    ],
    details,
  };
}

if (isMain(import.meta.url)) await benchMain("harvest", benchHarvest);
