// Give-back latency's tail (issues 14, 25): p99 over >= 200 trials of "owner wants the CPU ->
// first pilot dead (suspend_grace 0) / frozen (suspend_grace > 0; the kernel's freezer state
// file, polled every 2 ms: the freeze is a cgroup write Docker does not see)", 2 busy pilots under
// the idle-priority parent, on the real engine. The owner's arrival is scripted (the
// observation flips to cpu_owner 1 and the daemon's sample hook runs, as a real sample
// does): on this shared machine the real sampler sees the other helpers' load as an
// owner and gives the CPU back before any trial could start (bench/give-back.ts measures
// the sampled path on a quiet host). The real sampler adds its own lag on top: up to one
// sample_interval (2 s by default; uniform), stated beside the figure.
// Run: node --import tsx bench/give-back-p99.ts   (PLANCTON_BENCH_GIVEBACK_P99_TRIALS, default 50)
import { idleParent } from "./support/busy-pilots.js";
import { startBenchDaemon } from "./support/bench-daemon.js";
import { instanceContainers, removeInstance, requireDocker } from "./support/docker.js";
import { EventLog } from "./support/events.js";
import { benchFreezer, firstFrozenAt } from "./support/kernel-frozen.js";
import type { Figure } from "./support/figures.js";
import { benchMain, isMain, type BenchContext, type BenchOutput } from "./support/runner.js";
import { ScriptedObserver } from "./support/scripted-observer.js";
import { median, quantile, round } from "./support/stats.js";
import { poll, sleep } from "./support/wait.js";

const TRIALS = Number(process.env.PLANCTON_BENCH_GIVEBACK_P99_TRIALS ?? 200);
const BUSY = ["sh", "-c", "while :; do :; done"];
const TARGET_MS = 500;
/** Per series: on a host this loaded a relaunch can take minutes; report what fits. */
const BUDGET_MS = Number(process.env.PLANCTON_BENCH_GIVEBACK_P99_BUDGET_S ?? 420) * 1000;

interface SeriesResult {
  ms: number[];
  missed: number;
  signalMs: number[];
  skipped: number;
}

async function series(ctx: BenchContext, action: "kill" | "pause"): Promise<SeriesResult> {
  const parent = await idleParent();
  const instance = `pb-gbp99-${ctx.runId}-${action}`;
  ctx.onCleanup(() => removeInstance(instance));
  const events = new EventLog(instance);
  ctx.onCleanup(() => events.close());
  await events.ready();
  const observer = new ScriptedObserver(parent, { ncpus: 2, cpu_owner: 0 });
  const d = await startBenchDaemon(
    instance,
    {
      docker_cmd: BUSY,
      cpus_per_dock: 1,
      max_docks: 2,
      docks_per_loop: 2,
      max_dock_mem: "64MiB",
      main_sleep: 30,
      grace_kill: 0,
      grace_spawn: 0,
      resume_after: 0,
      suspend_grace: action === "kill" ? 0 : 600,
      overhead_margin: 10,
    },
    { observer },
  );
  ctx.onCleanup(() => d.close());
  const freezer = benchFreezer(parent.cgroupParent);
  const ms: number[] = [];
  const signalMs: number[] = [];
  let missed = 0;
  let skipped = 0;
  const running = () => d.daemon.snapshot().pilots.filter((p) => p.state === "running").length;
  try {
    const deadline = Date.now() + BUDGET_MS;
    for (let i = 0; i < TRIALS && Date.now() < deadline; i++) {
      const ready = await poll("2 running pilots", () => running() === 2, 180_000, 50).catch(() => false);
      if (ready === false) {
        ctx.log(
          `${action} trial ${i + 1}: the daemon did not get 2 pilots running within 180 s; trial skipped`,
        );
        skipped++;
        continue;
      }
      await sleep(1500); // the launch tick and its event ticks over: an owner comes back to a quiet daemon
      const full = (await instanceContainers(instance)).filter((c) => c.State === "running").map((c) => c.Id);
      const t0 = Date.now();
      observer.set({ cpu_owner: 1, cpu_total: 1, cpu_pilots: 0 });
      const ids = () => full;
      const ev =
        action === "kill"
          ? await events.first(t0, ["die"], 20_000).catch(() => undefined)
          : await firstFrozenAt(freezer, ids, 20_000).then((at) =>
              at === undefined ? undefined : { timeMs: at },
            );
      if (ev) ms.push(Math.max(0, ev.timeMs - t0));
      else missed++;
      const signalled = action === "kill" ? events.since(t0, ["kill"])[0] : undefined;
      if (signalled) signalMs.push(Math.max(0, signalled.timeMs - t0));
      if (i % 10 === 9 || !ev)
        ctx.log(`${action} trial ${i + 1}/${TRIALS}: ${ev ? `${ev.timeMs - t0} ms` : "none within 20 s"}`);
      observer.set({ cpu_owner: 0, cpu_total: 0, cpu_pilots: 0 });
    }
  } finally {
    await d.close();
    events.close();
    await removeInstance(instance);
  }
  return { ms, missed, signalMs, skipped };
}

function figure(action: "kill" | "pause", r: SeriesResult): Figure {
  const p99 = quantile(r.ms, 0.99);
  return {
    id: `give_back_p99.${action}_ms`,
    figure: `give-back p99: owner -> first pilot ${action === "kill" ? "dead (suspend_grace 0)" : "frozen (suspend_grace 600)"}, idle priority`,
    value: r.ms.length > 0 ? p99 : null,
    unit: "ms",
    display: `p99 ${round(p99, 0)} ms, median ${round(median(r.ms), 0)} ms over ${r.ms.length} trials${r.missed ? `, ${r.missed} never` : ""}${r.skipped ? `, ${r.skipped} skipped (no pilots back)` : ""}`,
    target: `<= ${TARGET_MS} ms p99, >= 200 trials`,
    pass: r.missed === 0 && r.ms.length >= 200 && p99 <= TARGET_MS,
    note: `decision + Docker, the sample scripted; the real sampler adds up to one sample_interval (2 s default) before it${r.signalMs.length > 0 ? `; SIGKILL sent (Docker's kill event) after p99 ${round(quantile(r.signalMs, 0.99), 0)} ms, median ${round(median(r.signalMs), 0)} ms` : ""}`,
  };
}

export async function benchGiveBackP99(ctx: BenchContext): Promise<BenchOutput> {
  await requireDocker();
  const kill = await series(ctx, "kill");
  const pause = await series(ctx, "pause");
  return { figures: [figure("kill", kill), figure("pause", pause)], details: { kill, pause } };
}

if (isMain(import.meta.url)) await benchMain("give-back-p99", benchGiveBackP99);
