// Give-back end to end (issue 25, deliverables 3 and 5): a REAL owner (busy loops on every
// core, outside Docker) arrives; the real daemon (its own sampler and give-back watch, no
// scripted observation) must notice and give the CPU back. Two series, each over TRIALS:
//   frozen: owner starts -> first pilot frozen as the kernel's freezer reads it (2 ms poll)
//   dead:   the same with suspend_grace 0 -> first pilot's "die" event
// 2 busy pilots under the idle-priority parent. PLANCTON_BENCH_PROFILE picks the policy
// (bench/profiles/: the defaults, BOINC-like, HTCondor-like): the anchors' holds make a
// trial minutes long, so their trial count is PLANCTON_BENCH_E2E_ANCHOR_TRIALS (default 5).
// Only meaningful on a quiet machine: another load is an owner the daemon gives back to.
// Run: node --import tsx bench/give-back-e2e.ts   (PLANCTON_BENCH_E2E_TRIALS, default 200;
// _DEAD_TRIALS for the kill series; _ANCHOR_TRIALS or _TRIALS_BOINC_LIKE / _HTCONDOR_LIKE)
import os from "node:os";
import { startBenchDaemon } from "./support/bench-daemon.js";
import { instanceContainers, removeInstance, requireDocker } from "./support/docker.js";
import { EventLog } from "./support/events.js";
import type { Figure } from "./support/figures.js";
import { daemonParentFreezer, firstFrozenAt } from "./support/kernel-frozen.js";
import { startBusyLoad } from "./support/owner-load.js";
import { benchProfile } from "./support/profile.js";
import { benchMain, isMain, type BenchContext, type BenchOutput } from "./support/runner.js";
import { median, quantile, round } from "./support/stats.js";
import { poll, sleep } from "./support/wait.js";

const profile = benchProfile();
const envOf = (k: string) => process.env[`PLANCTON_BENCH_E2E_${k}`];
/** Per profile (…_TRIALS_HTCONDOR_LIKE) over all anchors (…_ANCHOR_TRIALS). */
const TRIALS =
  profile.name === "default"
    ? Number(envOf("TRIALS") ?? 200)
    : Number(envOf(`TRIALS_${profile.name.toUpperCase().replace(/-/g, "_")}`) ?? envOf("ANCHOR_TRIALS") ?? 5);
/** The kill series may be shorter: its detection is the freeze series' own. */
const DEAD_TRIALS = Number(envOf("DEAD_TRIALS") ?? TRIALS);
const BUSY = ["sh", "-c", "while :; do :; done"];
const TARGET_MS = 500;
const num = (k: string, d: number) =>
  typeof profile.config[k] === "number" ? (profile.config[k] as number) : d;

async function series(ctx: BenchContext, kind: "frozen" | "dead") {
  const instance = `pb-e2e-${ctx.runId}-${kind}`;
  ctx.onCleanup(() => removeInstance(instance));
  const events = new EventLog(instance);
  ctx.onCleanup(() => events.close());
  await events.ready();
  const d = await startBenchDaemon(instance, {
    docker_cmd: BUSY,
    cpus_per_dock: 1,
    max_docks: 2,
    docks_per_loop: 2,
    max_dock_mem: "64MiB",
    pilot_cpu_priority: "idle",
    main_sleep: 30,
    grace_spawn: 0,
    ...profile.config,
    ...(kind === "dead" ? { suspend_grace: 0 } : {}),
  });
  ctx.onCleanup(() => d.close());
  const freezer = daemonParentFreezer();
  // Longest a give-back may take under this profile: its grace, one sample, and slack.
  const waitMs = (num("grace_kill", 0) + num("sample_interval", 2) + 20) * 1000;
  // Between trials: the pilots thawed (the daemon waited resume_after of a quiet owner for
  // that), then one more sample, so no reading of the previous owner is left in force.
  const thawMs = (num("resume_after", 2) + num("sample_interval", 2)) * 1000 + 180_000;
  const settleMs = num("sample_interval", 2) * 1000 + 1000;
  const ms: number[] = [];
  let missed = 0;
  try {
    const trials = kind === "dead" ? DEAD_TRIALS : TRIALS;
    for (let i = 0; i < trials; i++) {
      const live = await poll(
        "2 running pilots, none frozen",
        async () => {
          const cs = (await instanceContainers(instance)).filter((c) => c.State === "running");
          const states = await Promise.all(cs.map((c) => freezer.state(c.Id)));
          return cs.length === 2 && states.every((s) => s === "thawed") ? cs.map((c) => c.Id) : undefined;
        },
        thawMs,
        200,
      ).catch((err: Error) => {
        const why = `load average ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} CPUs`;
        throw new Error(`${err.message} (${why}): this benchmark needs a quiet machine`);
      });
      await sleep(settleMs);
      const load = startBusyLoad(os.availableParallelism());
      const t0 = load.startedAtMs;
      const at =
        kind === "frozen"
          ? await firstFrozenAt(freezer, () => live, waitMs)
          : await events
              .first(t0, ["die"], waitMs)
              .then((e) => e.timeMs)
              .catch(() => undefined);
      await load.stop();
      if (at === undefined) missed++;
      else ms.push(Math.max(0, at - t0));
      // Every trial in the log: a run stopped half-way keeps its figures there.
      ctx.log(`${kind} trial ${i + 1}/${trials}: ${at === undefined ? "none" : `${at - t0} ms`}`);
    }
  } finally {
    await d.close();
    events.close();
    await removeInstance(instance);
  }
  return { ms, missed };
}

function figure(kind: "frozen" | "dead", r: { ms: number[]; missed: number }): Figure {
  const p99 = quantile(r.ms, 0.99);
  return {
    id: `give_back_e2e.${kind}_ms${profile.suffix}`,
    figure: `owner arrives (real load) -> first pilot ${kind}, end to end, ${profile.name} policy`,
    value: r.ms.length > 0 ? p99 : null,
    unit: "ms",
    display:
      `p99 ${round(p99, 0)} ms, median ${round(median(r.ms), 0)} ms over ${r.ms.length} trials` +
      (r.missed ? `, ${r.missed} never` : ""),
    target: profile.name === "default" ? `<= ${TARGET_MS} ms p99, >= 200 trials` : undefined,
    pass: profile.name === "default" ? r.missed === 0 && r.ms.length >= 200 && p99 <= TARGET_MS : undefined,
    note: "detection included: the daemon's own sampler and give-back watch, no scripted observation",
  };
}

export async function benchGiveBackE2e(ctx: BenchContext): Promise<BenchOutput> {
  await requireDocker();
  const frozen = await series(ctx, "frozen");
  ctx.log(`frozen series: ${figure("frozen", frozen).display}`);
  const dead = await series(ctx, "dead");
  return {
    figures: [figure("frozen", frozen), figure("dead", dead)],
    details: { profile: profile.name, frozen, dead },
  };
}

if (isMain(import.meta.url)) await benchMain(`give-back-e2e${profile.suffix}`, benchGiveBackE2e);
