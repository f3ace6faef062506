// The machine's "owner", outside Docker: busy loops on every core (for give-back), and
// a fixed CPU workload whose wall time is the owner's experience (owner slowdown).
import { spawn, type ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";

export interface BusyLoad {
  /** Date.now() just before the first process was spawned. */
  readonly startedAtMs: number;
  readonly pids: number[];
  /** SIGKILLs the processes it started and waits for them; returns Date.now() when asked. */
  stop(): Promise<number>;
}

/** `n` shell busy loops (`while :; do :; done`), one per core. */
export function startBusyLoad(n: number): BusyLoad {
  const startedAtMs = Date.now();
  const children: ChildProcess[] = [];
  for (let i = 0; i < n; i++)
    children.push(spawn("/bin/sh", ["-c", "while :; do :; done"], { stdio: "ignore" }));
  const exits = children.map(
    (c) =>
      new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) resolve();
        else c.once("exit", () => resolve());
      }),
  );
  return {
    startedAtMs,
    pids: children.map((c) => c.pid ?? -1),
    stop: async () => {
      const at = Date.now();
      for (const c of children) c.kill("SIGKILL");
      await Promise.all(exits);
      return at;
    },
  };
}

/** The owner's workload: one process per core, each `iterations` rounds of integer work. */
const WORKER = `
let x = 1;
const n = Number(process.argv[1]);
for (let i = 0; i < n; i++) x = (x * 1103515245 + 12345) % 2147483647;
if (x === -1) console.log(x);
`;

/** Wall time (ms) from spawning `n` workers to the last one's exit. */
export async function runWorkload(n: number, iterations: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve, reject) => {
          const c = spawn(process.execPath, ["-e", WORKER, String(iterations)], { stdio: "ignore" });
          c.once("error", reject);
          c.once("exit", (code) =>
            code === 0 ? resolve() : reject(new Error(`workload exited with ${code}`)),
          );
        }),
    ),
  );
  return performance.now() - t0;
}

/** Iterations that take about `targetMs` of one core, measured on one worker alone. */
export async function calibrateWorkload(targetMs: number): Promise<number> {
  const probe = 20_000_000;
  const base = await runWorkload(1, 0);
  const ms = (await runWorkload(1, probe)) - base;
  return Math.max(1_000_000, Math.round((probe * targetMs) / Math.max(1, ms)));
}
