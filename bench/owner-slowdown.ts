// Benchmark "owner slowdown" (issue 9): a fixed CPU workload of the owner on every core,
// alone, then with every core busy with pilots, in the same run, interleaved round by
// round, median of ROUNDS runs each:
//   idle:   pilots under Plancton's parent cgroup (/plancton, cpu.shares 2, set up by
//           setupPilotParent as the daemon does), CpuQuota 1 core each;
//   normal: the same pilots in Docker's default cgroups (the original's situation).
// No daemon: the containers are made directly with dockerode; paused (cgroup freezer)
// when not in use, so each set costs nothing while another is measured.
// Target: idle / alone <= 1.05. Run: node --import tsx bench/owner-slowdown.ts
import { readFileSync } from "node:fs";
import os from "node:os";
import type Docker from "dockerode";
import { detectCgroupLayout, setupPilotParent } from "../src/host/index.js";
import { docker, IMAGE, requireDocker } from "./support/docker.js";
import type { Figure } from "./support/figures.js";
import { calibrateWorkload, runWorkload } from "./support/owner-load.js";
import { benchMain, isMain, type BenchContext, type BenchOutput } from "./support/runner.js";
import { median, round } from "./support/stats.js";
import { sleep } from "./support/wait.js";

const ROUNDS = Number(process.env.PLANCTON_BENCH_SLOWDOWN_ROUNDS ?? 5);
const WORKLOAD_MS = 800;
const TARGET = 1.05;

type Mode = "alone" | "idle" | "normal";

async function busyContainers(
  ctx: BenchContext,
  n: number,
  cgroupParent: string | undefined,
  tag: string,
): Promise<Docker.Container[]> {
  const made: Docker.Container[] = [];
  for (let i = 0; i < n; i++) {
    const c = await docker.createContainer({
      Image: IMAGE,
      name: `pb-slowdown-${ctx.runId}-${tag}-${i}`,
      Cmd: ["sh", "-c", "while :; do :; done"],
      Labels: { ...ctx.labels },
      HostConfig: {
        CpuQuota: 100000,
        CpuPeriod: 100000,
        Memory: 64 * 2 ** 20,
        ...(cgroupParent ? { CgroupParent: cgroupParent } : {}),
      },
    });
    made.push(c);
    ctx.onCleanup(() => c.remove({ force: true }).catch(() => undefined));
    await c.start();
    await c.pause();
  }
  return made;
}

/** cpuacct.usage (ns) of a container in cgroup v1 under `parent`, or undefined. */
function usageNs(parent: string, id: string): number | undefined {
  try {
    return Number(
      readFileSync(`/sys/fs/cgroup/cpuacct/${parent.replace(/^\//, "")}/${id}/cpuacct.usage`, "utf8"),
    );
  } catch {
    return undefined;
  }
}

/** Mean CPU (cores) each container used over `ms` with the owner idle; undefined off cgroup v1 cgroupfs. */
async function pilotCores(parent: string, ids: string[], ms: number): Promise<number | undefined> {
  const a = ids.map((id) => usageNs(parent, id));
  const t0 = performance.now();
  await sleep(ms);
  const b = ids.map((id) => usageNs(parent, id));
  const dt = (performance.now() - t0) * 1e6;
  if (a.some((x) => x === undefined) || b.some((x) => x === undefined)) return undefined;
  return ids.reduce((s, _id, i) => s + (b[i]! - a[i]!) / dt, 0) / ids.length;
}

export async function benchOwnerSlowdown(ctx: BenchContext): Promise<BenchOutput> {
  await requireDocker();
  const ncpus = os.cpus().length;
  const info = (await docker.info()) as { CgroupDriver?: string };
  const driver = info.CgroupDriver === "systemd" ? "systemd" : "cgroupfs";
  const parent = await setupPilotParent({
    layout: detectCgroupLayout(),
    dockerCgroupDriver: driver,
    priority: "idle",
  });
  if (parent.mode !== "idle" || parent.cgroupParent === undefined)
    throw new Error(`the pilots' idle parent cgroup could not be set up: ${parent.detail}`);
  ctx.log(`parent: ${parent.detail}; calibrating the workload`);
  const iterations = await calibrateWorkload(WORKLOAD_MS);

  const sets: Record<Exclude<Mode, "alone">, Docker.Container[]> = {
    idle: await busyContainers(ctx, ncpus, parent.cgroupParent, "idle"),
    normal: await busyContainers(ctx, ncpus, undefined, "normal"),
  };
  const ids = { idle: sets.idle.map((c) => c.id), normal: sets.normal.map((c) => c.id) };
  const state: Record<Exclude<Mode, "alone">, boolean> = { idle: false, normal: false };
  const runOnly = async (mode: Mode) => {
    for (const m of ["idle", "normal"] as const) {
      const want = m === mode;
      if (state[m] !== want) {
        await Promise.all(sets[m].map((c) => (want ? c.unpause() : c.pause())));
        state[m] = want;
      }
    }
  };

  // Idle-priority pilots still get the whole CPU when the owner does not want it.
  await runOnly("idle");
  const idleAloneCores = await pilotCores(parent.cgroupParent, ids.idle, 1500);
  await runOnly("normal");
  const normalAloneCores = await pilotCores("docker", ids.normal, 1500);

  const samples: Record<Mode, number[]> = { alone: [], idle: [], normal: [] };
  const modes: Mode[] = ["alone", "idle", "normal"];
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < modes.length; k++) {
      const mode = modes[(round + k) % modes.length]!;
      await runOnly(mode);
      await sleep(300); // the pilots are spinning before the owner starts
      samples[mode].push(await runWorkload(ncpus, iterations));
    }
    ctx.log(
      `round ${round + 1}/${ROUNDS}: alone ${samples.alone.at(-1)!.toFixed(0)} ms, idle ${samples.idle.at(-1)!.toFixed(0)} ms, normal ${samples.normal.at(-1)!.toFixed(0)} ms`,
    );
  }
  await runOnly("alone");

  const alone = median(samples.alone);
  const idle = median(samples.idle);
  const normal = median(samples.normal);
  const idleRatio = idle / alone;
  const normalRatio = normal / alone;
  const figures: Figure[] = [
    {
      id: "owner_slowdown.idle_ratio",
      figure: "owner slowdown, pilots at idle priority (idle/alone)",
      value: idleRatio,
      unit: "x",
      display: `${idleRatio.toFixed(3)}x (${(idle / 1000).toFixed(2)} s vs ${(alone / 1000).toFixed(2)} s)`,
      target: `<= ${TARGET}`,
      reference: `normal priority: ${normalRatio.toFixed(2)}x (${(normal / 1000).toFixed(2)} s)`,
      pass: idleRatio <= TARGET,
      note: `${ncpus} owner processes x ${iterations} iterations on ${ncpus} cores beside ${ncpus} busy pilots (CpuQuota 1 core each), median of ${ROUNDS} interleaved runs; ${parent.detail}`,
    },
    {
      id: "owner_slowdown.normal_ratio",
      figure: "owner slowdown, pilots at normal priority (normal/alone)",
      value: normalRatio,
      unit: "x",
      display: `${normalRatio.toFixed(2)}x (${(normal / 1000).toFixed(2)} s)`,
      reference: "the original: until its policy reacts (150 s)",
      note: "for comparison: Docker's default cgroups, as the original ran its pilots",
    },
  ];
  if (idleAloneCores !== undefined) {
    figures.push({
      id: "owner_slowdown.idle_pilot_cores",
      figure: "idle-priority pilot's CPU while the owner is idle",
      value: idleAloneCores * 100,
      unit: "% of a core",
      reference:
        normalAloneCores !== undefined
          ? `normal priority: ${(normalAloneCores * 100).toFixed(0)}% of a core`
          : undefined,
      note: "cpuacct.usage over 1.5 s: idle priority costs the pilots nothing when nobody else wants the CPU",
    });
  }
  return {
    figures,
    details: {
      ncpus,
      iterations,
      rounds: ROUNDS,
      parent: parent.detail,
      wallMs: {
        alone: samples.alone.map((x) => round(x, 1)),
        idle: samples.idle.map((x) => round(x, 1)),
        normal: samples.normal.map((x) => round(x, 1)),
      },
      medianMs: { alone: round(alone, 1), idle: round(idle, 1), normal: round(normal, 1) },
      idleAloneCores,
      normalAloneCores,
    },
  };
}

if (isMain(import.meta.url)) await benchMain("owner-slowdown", benchOwnerSlowdown);
