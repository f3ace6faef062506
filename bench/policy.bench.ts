// Micro-benchmark of the policy: decide() with 200 pilots, in a few situations.
// Target: under 1 ms per call. Run: node --import tsx bench/policy.bench.ts
import { policyConfig } from "../test/helpers/policy-sim.js";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { parseSchedule } from "../src/config/schedule-parse.js";
import { compileExpr } from "../src/expr/index.js";
import {
  decide,
  initialPolicyState,
  type Control,
  type ImageStatus,
  type Observation,
  type PilotState,
  type PolicyConfig,
  type PolicyPilot,
  type PolicyState,
} from "../src/policy/index.js";

const PILOTS = 200;
const ITERATIONS = 5_000;
const NOW_MS = Date.UTC(2024, 0, 1, 12, 0, 0);

const VARIABLES = [
  "ncpus",
  "cpu_owner",
  "cpu_owner_5m",
  "load1",
  "disk_free_ratio",
  "mem_available_bytes",
  "running",
  "paused",
  "weekday",
  "hour",
  "minute",
];

const baseConfig: PolicyConfig = policyConfig({ maxDocks: 254, suspendGraceSeconds: 600 });

const fullConfig: PolicyConfig = {
  ...baseConfig,
  minFreeMem: { bytes: 2 ** 30, ratio: 0.05 },
  minFreeDisk: { ratio: 0.1 },
  spawnWhen: compileExpr("cpu_owner_5m < 0.5 and disk_free_ratio > 0.1", VARIABLES),
  maxPilots: compileExpr("min(ncpus - 2, floor(mem_available_bytes / 2GiB))", VARIABLES),
  evictWhen: compileExpr("load1 > ncpus * 3", VARIABLES),
  schedule: parseSchedule(["Mon-Fri 19:00-07:00", "Sat-Sun", "Mon,Wed 08:00-12:00"]),
};

const control: Control = { draining: false, drainStop: false, forceStop: false };
const image: ImageStatus = { image: "busybox", lastPullAtMs: NOW_MS - 60_000 };

function pilots(states: (i: number) => PilotState): PolicyPilot[] {
  return Array.from({ length: PILOTS }, (_, i) => ({
    id: `${i.toString(16).padStart(12, "0")}${"f".repeat(52)}`,
    name: `plancton-worker-${i.toString(36).padStart(6, "0")}`,
    state: states(i),
    createdAtMs: NOW_MS - ((i * 37_000) % 40_000_000),
  }));
}

function obs(cpuOwner: number): Observation {
  return {
    ncpus: 256,
    cpu_owner: cpuOwner,
    cpu_owner_5m: cpuOwner,
    cpu_pilots: 0.7,
    cpu_total: 0.7 + cpuOwner,
    load1: 200,
    mem_available_bytes: 400 * 2 ** 30,
    mem_available_ratio: 0.4,
    disk_free_bytes: 2 ** 40,
    disk_free_ratio: 0.5,
    running: PILOTS,
    paused: 0,
    weekday: 1,
    hour: 20,
    minute: 0,
  };
}

interface Scenario {
  readonly name: string;
  readonly obs: Observation;
  readonly pilots: PolicyPilot[];
  readonly cfg: PolicyConfig;
  readonly state: PolicyState;
}

const SCENARIOS: Scenario[] = [
  {
    name: "steady: 200 running, owner idle",
    obs: obs(0.05),
    pilots: pilots(() => "running"),
    cfg: baseConfig,
    state: initialPolicyState(),
  },
  {
    name: "overhead held: pause many of 200",
    obs: obs(0.6),
    pilots: pilots(() => "running"),
    cfg: baseConfig,
    state: { ...initialPolicyState(), overheadSinceMs: NOW_MS - 200_000, overheadMinOwnerCpu: 0.6 },
  },
  {
    name: "mixed states, all keys set (exprs, schedule, pressure)",
    obs: obs(0.2),
    pilots: pilots(
      (i) => (["running", "running", "running", "paused", "exited", "created"] as const)[i % 6] ?? "running",
    ),
    cfg: fullConfig,
    state: initialPolicyState(),
  },
];

export interface PolicyBenchResult {
  readonly name: string;
  readonly usPerCall: number;
}

export function benchPolicy(iterations = ITERATIONS): PolicyBenchResult[] {
  return SCENARIOS.map((s) => {
    let sink = 0;
    const once = () =>
      decide({ obs: s.obs, pilots: s.pilots, cfg: s.cfg, control, image, state: s.state, nowMs: NOW_MS });
    for (let i = 0; i < iterations / 10; i++) sink += once().start; // warm-up
    const start = performance.now();
    for (let i = 0; i < iterations; i++) {
      const d = once();
      sink += d.start + d.pause.length + d.kill.length + d.explain.length;
    }
    const elapsedMs = performance.now() - start;
    if (Number.isNaN(sink)) throw new Error("unreachable: keeps the loop from being optimized away");
    return { name: s.name, usPerCall: (elapsedMs * 1000) / iterations };
  });
}

function main(): void {
  const node = process.version;
  console.log(
    `policy: decide() with ${PILOTS} pilots, ${ITERATIONS} calls each, node ${node} (target < 1000 us)`,
  );
  for (const r of benchPolicy()) console.log(`${r.usPerCall.toFixed(1).padStart(8)} us/call  ${r.name}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
