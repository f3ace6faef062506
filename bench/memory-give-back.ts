// Memory give-back (issue 14): the owner allocates and touches about half the RAM while
// 2 pilots hold memory (dd's buffer, `dd bs=<n>M count=1 | sleep`), with the real daemon
// (its own sampler every 2 s; min_free_mem and mem_pressure_psi, pressure_grace 0).
// Figures: the owner's allocation time with pilots / alone (same run, interleaved), and
// the time from pressure (the bench's own 100 ms poll of MemAvailable below min_free_mem,
// or a PSI stall) to the first pilot dead (Docker's die event).
// Sized so nothing can OOM on a shared machine: pilots + owner leave 2 GiB of what was
// available at the start; min_free_mem is 3 GiB, so the daemon acts before that.
// Targets (issue 25; issue 14 asked 2 s and 1.2x): first pilot dead <= 0.5 s after pressure;
// owner time <= 1.1x alone.
// Run: node --import tsx bench/memory-give-back.ts   (PLANCTON_BENCH_MEM_ROUNDS, default 2)
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { startBenchDaemon } from "./support/bench-daemon.js";
import { launchPilots, removeInstance, requireDocker } from "./support/docker.js";
import { EventLog } from "./support/events.js";
import type { Figure } from "./support/figures.js";
import { benchMain, isMain, type BenchContext, type BenchOutput } from "./support/runner.js";
import { max, median, round } from "./support/stats.js";
import { createDockerEngine } from "../src/runtime/index.js";
import { parseMeminfo, parsePressure } from "../src/host/proc-readers.js";
import { poll, sleep } from "./support/wait.js";

const ROUNDS = Number(process.env.PLANCTON_BENCH_MEM_ROUNDS ?? 2);
const GiB = 2 ** 30;
const MiB = 2 ** 20;
const THRESHOLD = 3 * GiB;
const LEAVE = 2 * GiB;

const available = () => parseMeminfo(readFileSync("/proc/meminfo", "utf8")).memAvailableBytes;
const stallTotalUs = () => {
  try {
    return parsePressure(readFileSync("/proc/pressure/memory", "utf8")).someTotalUs;
  } catch {
    return 0;
  }
};

/** The owner: one node process allocating `bytes` in 256 MiB zero-filled (touched) chunks; its wall time in ms. */
function ownerAllocates(bytes: number): Promise<number> {
  const script = `const n = Number(process.argv[1]); const keep = []; for (let d = 0; d < n; d += 268435456) keep.push(Buffer.alloc(Math.min(268435456, n - d), 1)); if (keep.length < 0) console.log(keep);`;
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [`--max-old-space-size=256`, "-e", script, String(bytes)], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    c.stderr.on("data", (d: Buffer) => (err += d.toString()));
    c.once("exit", (code, signal) =>
      code === 0
        ? resolve(performance.now() - t0)
        : reject(new Error(`owner allocation exited with ${code ?? signal}: ${err.slice(-300)}`)),
    );
  });
}

export async function benchMemoryGiveBack(ctx: BenchContext): Promise<BenchOutput> {
  await requireDocker();
  const ram = parseMeminfo(readFileSync("/proc/meminfo", "utf8")).memTotalBytes;
  const avail0 = available();
  const ownerBytes = Math.min(Math.floor(ram / 2), avail0 - LEAVE - 2 * GiB);
  const perPilot = Math.floor((avail0 - LEAVE - ownerBytes) / 2 / MiB) * MiB;
  if (ownerBytes < GiB || perPilot < 256 * MiB)
    throw new Error(`not enough memory available to run it safely: ${round(avail0 / GiB, 1)} GiB`);
  ctx.log(
    `available ${round(avail0 / GiB, 1)} GiB: owner allocates ${round(ownerBytes / GiB, 1)} GiB, 2 pilots hold ${round(perPilot / GiB, 2)} GiB each`,
  );
  const engine = createDockerEngine();
  const alone: number[] = [];
  const withPilots: number[] = [];
  const toDeadMs: number[] = [];
  const stallMs: number[] = [];
  let missed = 0;
  /** Rounds where the daemon killed before the bench's own 100 ms poll saw the threshold crossed. */
  let before = 0;
  for (let r = 0; r < ROUNDS; r++) {
    alone.push(await ownerAllocates(ownerBytes));
    const instance = `pb-mem-${ctx.runId}-${r}`;
    ctx.onCleanup(() => removeInstance(instance));
    const events = new EventLog(instance);
    await events.ready();
    const mib = perPilot / MiB;
    // One read(2) fills at most 2 GiB: chunks of at most 1 GiB, each held by a dd blocked on a pipe nobody reads.
    const chunks = Math.ceil(mib / 1024);
    const hold = `for i in $(seq ${chunks}); do dd if=/dev/zero bs=${Math.floor(mib / chunks)}M count=1 2>/dev/null | sleep 1000000 & done; wait`;
    await launchPilots(engine, instance, ctx.labels, 2, {
      cmd: ["sh", "-c", hold],
      cpus: 0.5,
      memoryBytes: perPilot + 128 * MiB,
    });
    await poll(
      "the pilots holding their memory",
      () => available() < avail0 - 1.8 * perPilot || undefined,
      60_000,
      200,
    );
    const d = await startBenchDaemon(instance, {
      docker_cmd: ["sleep", "1000000"],
      cpus_per_dock: 0.5,
      max_docks: 2,
      max_dock_mem: `${mib + 128}MiB`,
      main_sleep: 30,
      grace_kill: 3600,
      grace_spawn: 600,
      min_free_mem: `${THRESHOLD / GiB}GiB`,
      pressure_grace: 0,
      mem_pressure_psi: 10,
    });
    try {
      await poll(
        "the daemon adopting the pilots",
        () => d.daemon.snapshot().pilots.length === 2 || undefined,
        30_000,
        100,
      );
      await sleep(2500);
      let pressureAt: number | undefined;
      const stall0 = stallTotalUs();
      const watch = setInterval(() => {
        if (pressureAt === undefined && (available() < THRESHOLD || stallTotalUs() > stall0))
          pressureAt = Date.now();
      }, 100);
      const t0 = Date.now();
      try {
        withPilots.push(await ownerAllocates(ownerBytes));
        const dead = await events.first(t0, ["die"], 10_000).catch(() => undefined);
        if (dead && pressureAt !== undefined) toDeadMs.push(Math.max(0, dead.timeMs - pressureAt));
        else if (dead) before++;
        else missed++;
        // The daemon logs a kill after the pilot is dead and its log kept; its SIGKILL went out
        // with the decision, whose time is the "decision" debug line's (info level: not logged), so
        // the kill line's time is an upper bound of the decision.
        const killLine = d.logs.find((l) => l.includes("killed pilot"));
        const kill = killLine ? (JSON.parse(killLine) as { msg?: string; time?: number }) : undefined;
        stallMs.push((stallTotalUs() - stall0) / 1000);
        ctx.log(
          `round ${r + 1}/${ROUNDS}: owner ${round(withPilots.at(-1)! / 1000, 2)} s with pilots, ${round(alone.at(-1)! / 1000, 2)} s alone; ` +
            `pressure ${pressureAt !== undefined ? `at +${pressureAt - t0} ms` : "never seen"}, first pilot dead ${dead ? `at +${dead.timeMs - t0} ms` : "never"}; memory stall ${round(stallMs.at(-1)!, 0)} ms; ` +
            `the daemon: ${kill ? `${kill.msg} (logged at +${(kill.time ?? t0) - t0} ms)` : "no kill logged"}`,
        );
      } finally {
        clearInterval(watch);
      }
    } finally {
      await d.close();
      events.close();
      await removeInstance(instance);
    }
  }
  const ratio = median(withPilots) / median(alone);
  const figures: Figure[] = [
    {
      id: "memory_give_back.first_dead_ms",
      figure: "memory give-back: pressure -> first pilot dead",
      value: toDeadMs.length > 0 ? median(toDeadMs) : null,
      unit: "ms",
      display:
        toDeadMs.length > 0
          ? `median ${round(median(toDeadMs), 0)} ms, max ${round(max(toDeadMs), 0)} ms over ${toDeadMs.length}` +
            `${before ? `; ${before} more killed before the bench's poll saw the threshold` : ""}${missed ? `, ${missed} never` : ""}`
          : before
            ? `${before} of ${ROUNDS} killed before the bench's poll saw the threshold`
            : "never",
      target: "<= 500 ms (issue 25; the worst of the rounds)",
      pass: missed === 0 && toDeadMs.length > 0 && max(toDeadMs) <= 500,
      note: `pressure = MemAvailable below min_free_mem ${THRESHOLD / GiB} GiB (or a PSI stall), seen by the bench's 100 ms poll; the daemon's memory watch reads every 100 ms`,
    },
    {
      id: "memory_give_back.owner_ratio",
      figure: `memory give-back: owner allocates ${round(ownerBytes / GiB, 1)} GiB, with 2 pilots of ${round(perPilot / GiB, 1)} GiB / alone`,
      value: ratio,
      unit: "",
      display: `${round(median(withPilots) / 1000, 2)} s / ${round(median(alone) / 1000, 2)} s`,
      ratio,
      target: "<= 1.1x (issue 25)",
      pass: ratio <= 1.1,
      reference: "alone, same run",
    },
  ];
  return {
    figures,
    notes: [
      `${ROUNDS} rounds; no swap on this host, so PSI stalls only in direct reclaim of the page cache (stall per round: ${stallMs.map((x) => round(x, 0)).join(", ")} ms)`,
    ],
    details: { ownerBytes, perPilot, alone, withPilots, toDeadMs, stallMs, killedBeforeSeen: before },
  };
}

if (isMain(import.meta.url)) await benchMain("memory-give-back", benchMemoryGiveBack);
