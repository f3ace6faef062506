// Time to create and start 20 pilots: engine.launchMany (bounded concurrency, one
// keep-alive client) vs a shell loop of `docker run -d` for the same 20, in the same
// run, on the real engine. Target (issue 4): launchMany <= 0.6x the shell loop.
// Each variant runs ROUNDS times, alternating, on an emptied host; medians are compared.
// Run: node --import tsx bench/runtime.bench.ts [pilots] [concurrency...]
//      e.g. node --import tsx bench/runtime.bench.ts 20 4 8
import { plainPilotSpec } from "../test/helpers/plain-pilot-spec.js";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { createDockerEngine } from "../src/runtime/docker-engine.js";
import type { ContainerEngine, PilotSpec } from "../src/runtime/engine.js";
import { pilotName } from "../src/runtime/pilot-name.js";

const run = promisify(execFile);
const IMAGE = "plancton/busybox:local";
const ROUNDS = 3;

export interface RuntimeBenchResult {
  pilots: number;
  /** Median wall time of the shell loop of `docker run -d`. */
  shellLoopMs: number;
  /** Per concurrency: median wall time of launchMany, its ratio to the shell loop, API calls per launch. */
  launchMany: { concurrency: number; ms: number; ratio: number; apiCallsPerPilot: number }[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function spec(prefix: string, labels: Record<string, string>): PilotSpec {
  const name = pilotName(prefix);
  return plainPilotSpec({
    name,
    hostname: `plancton-bench-${name.slice(-6)}`,
    image: IMAGE,
    cmd: ["sleep", "600"],
    labels,
  });
}

/** The same containers as spec() makes, by the docker CLI, one after the other. */
function shellLoop(count: number, prefix: string, label: string): Promise<unknown> {
  const script = `for i in $(seq 1 ${count}); do docker run -d --name "${prefix}-$i" --label "${label}" --hostname "plancton-bench-$i" --cpu-quota 100000 --cpu-period 100000 --memory 64m --memory-swap 64m --user 0:0 ${IMAGE} sleep 600 >/dev/null || exit 1; done`;
  return run("bash", ["-c", script], { timeout: 300_000 });
}

async function removeAll(engine: ContainerEngine, labels: Record<string, string>): Promise<void> {
  const pilots = await engine.listPilots(labels);
  await Promise.all(pilots.map((p) => engine.remove(p.id)));
}

export async function benchRuntime(
  pilots = 20,
  concurrencies: number[] = [4, 8],
): Promise<RuntimeBenchResult> {
  const engine = createDockerEngine();
  await engine.ping();
  if (!(await engine.imagePresent(IMAGE)))
    throw new Error(`${IMAGE} is missing: run \`npm run prepare-host\``);
  const id = randomBytes(4).toString("hex");
  const labels = { "org.plancton.bench": id };
  const label = `org.plancton.bench=${id}`;
  const shellMs: number[] = [];
  const manyMs = new Map<number, number[]>(concurrencies.map((c) => [c, []]));
  const callsPerPilot = new Map<number, number>();
  try {
    // Warm both paths once (image layers, CLI binary, connection), untimed.
    await engine.launch(spec(`pb-${id}-warm`, labels));
    await shellLoop(1, `pb-${id}-warm-sh`, label);
    await removeAll(engine, labels);

    for (let round = 0; round < ROUNDS; round++) {
      let t0 = performance.now();
      await shellLoop(pilots, `pb-${id}-sh${round}`, label);
      shellMs.push(performance.now() - t0);
      await removeAll(engine, labels);

      for (const concurrency of concurrencies) {
        const specs = Array.from({ length: pilots }, () => spec(`pb-${id}-c${concurrency}`, labels));
        const calls = engine.apiCalls;
        t0 = performance.now();
        const { launched, error } = await engine.launchMany(specs, concurrency);
        manyMs.get(concurrency)!.push(performance.now() - t0);
        callsPerPilot.set(concurrency, (engine.apiCalls - calls) / pilots);
        if (error || launched.length !== pilots)
          throw new Error(`launchMany launched ${launched.length}/${pilots}: ${error?.message}`);
        await removeAll(engine, labels);
      }
    }
  } finally {
    await removeAll(engine, labels).catch(() => undefined);
  }
  const shellLoopMs = median(shellMs);
  return {
    pilots,
    shellLoopMs,
    launchMany: concurrencies.map((concurrency) => {
      const ms = median(manyMs.get(concurrency)!);
      return {
        concurrency,
        ms,
        ratio: ms / shellLoopMs,
        apiCallsPerPilot: callsPerPilot.get(concurrency) ?? 0,
      };
    }),
  };
}

async function main(): Promise<void> {
  const [pilotsArg, ...concArgs] = process.argv.slice(2);
  const pilots = pilotsArg ? Number(pilotsArg) : 20;
  const concurrencies = concArgs.length ? concArgs.map(Number) : [4, 8];
  const r = await benchRuntime(pilots, concurrencies);
  console.log(`runtime: create+start ${r.pilots} pilots, median of ${ROUNDS} rounds`);
  console.log(`  shell loop of docker run -d : ${r.shellLoopMs.toFixed(0)} ms`);
  for (const m of r.launchMany) {
    const verdict = m.ratio <= 0.6 ? "ok (target <= 0.6x)" : "ABOVE target 0.6x";
    console.log(
      `  launchMany concurrency ${String(m.concurrency).padStart(2)}  : ${m.ms.toFixed(0)} ms = ${m.ratio.toFixed(2)}x the shell loop, ${m.apiCallsPerPilot} API calls/pilot  ${verdict}`,
    );
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(`runtime bench failed: ${(err as Error).message}`);
    process.exitCode = 1;
  });
}
