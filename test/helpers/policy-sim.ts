// A fake host for the policy: a pilot list that decisions are applied to, a fake clock,
// and counters, so scenarios read as "advance, observe, decide, check".
import {
  decide,
  initialPolicyState,
  type Control,
  type DecideInput,
  type PilotExit,
  type Decision,
  type ImageStatus,
  type KillReason,
  type Observation,
  type PilotState,
  type PolicyConfig,
  type PolicyPilot,
  type PolicyState,
} from "../../src/policy/index.js";
import { parseConfigText } from "../../src/config/parse.js";
import { policyConfigOf } from "../../src/daemon/owners/policy-config.js";
import { observationOf } from "../../src/daemon/loop/observation.js";

/** Monday 2024-01-01 12:00:00 UTC. */
export const T0_MS = Date.UTC(2024, 0, 1, 12, 0, 0);

/** The schema's defaults as the daemon maps them (no default typed twice), on an 8-CPU
 *  host, with max_docks 6 and docks_per_loop 4 so scenarios have room to differ. */
const DEFAULTS: PolicyConfig = {
  ...policyConfigOf(parseConfigText("docker_image: busybox\n", "policy-sim.yaml").config, {
    ncpus: 8,
    ramBytes: 64 * 2 ** 30,
    swapBytes: 0,
  }).policy,
  maxDocks: 6,
  docksPerLoop: 4,
  cpuPriority: undefined,
};

/** The observation's local-time variables, which a test may set itself. */
const LOCAL_TIME = ["hour", "minute", "weekday"] as const;

export function policyConfig(overrides: Partial<PolicyConfig> = {}): PolicyConfig {
  return { ...DEFAULTS, ...overrides };
}

export const NO_CONTROL: Control = { draining: false, drainStop: false, forceStop: false };

/** An observation of an ample host: plenty of memory and disk, owner idle. */
export function hostObs(overrides: Record<string, number> = {}): Observation {
  return {
    ncpus: 8,
    cpu_owner: 0,
    cpu_pilots: 0,
    cpu_total: 0,
    load1: 0,
    mem_available_bytes: 64 * 2 ** 30,
    mem_available_ratio: 0.8,
    disk_free_bytes: 500 * 2 ** 30,
    disk_free_ratio: 0.7,
    mem_stall_some: 0,
    mem_psi_some_avg10: 0,
    running: 0,
    paused: 0,
    ...overrides,
  };
}

interface SimPilot {
  id: string;
  name: string;
  state: PilotState;
  createdAtMs: number;
}

export interface SimOptions {
  cfg?: Partial<PolicyConfig>;
  control?: Partial<Control>;
  image?: ImageStatus;
  /** Whether a pull asked for succeeds (default true). */
  pullSucceeds?: boolean;
  nowMs?: number;
  /** Pilots present at the start. */
  pilots?: { state: PilotState; ageSeconds: number }[];
}

export class PolicySim {
  cfg: PolicyConfig;
  control: Control;
  image: ImageStatus;
  pullSucceeds: boolean;
  nowMs: number;
  state: PolicyState = initialPolicyState();
  readonly pilots = new Map<string, SimPilot>();
  readonly decisions: Decision[] = [];
  /** Counters over the whole run. */
  starts = 0;
  pauses = 0;
  unpauses = 0;
  pulls = 0;
  readonly kills: Partial<Record<KillReason, number>> = {};
  readonly removes: Partial<Record<KillReason, number>> = {};
  readonly warnings: string[] = [];
  private seq = 0;
  /** Pilots that ended since the last step, as the daemon reports them to decide(). */
  private readonly exits: PilotExit[] = [];

  /** A pilot ended (its exit is known once it is removed): the next step sees it. */
  exited(e: PilotExit): void {
    this.exits.push(e);
  }

  constructor(opts: SimOptions = {}) {
    this.cfg = policyConfig(opts.cfg);
    this.control = { ...NO_CONTROL, ...opts.control };
    this.nowMs = opts.nowMs ?? T0_MS;
    this.image = opts.image ?? { image: this.cfg.image, lastPullAtMs: this.nowMs };
    this.pullSucceeds = opts.pullSucceeds ?? true;
    for (const p of opts.pilots ?? []) this.add(p.state, this.nowMs - p.ageSeconds * 1000);
  }

  add(state: PilotState, createdAtMs = this.nowMs): string {
    this.seq += 1;
    const id = `id${String(this.seq).padStart(4, "0")}`;
    this.pilots.set(id, { id, name: `plancton-worker-${id}`, state, createdAtMs });
    return id;
  }

  advance(seconds: number): void {
    this.nowMs += seconds * 1000;
  }

  list(): PolicyPilot[] {
    return [...this.pilots.values()].map((p) => ({ ...p }));
  }

  count(state?: PilotState): number {
    let n = 0;
    for (const p of this.pilots.values()) if (state === undefined || p.state === state) n++;
    return n;
  }

  /** Ids in the order they were created (oldest first). */
  ids(state?: PilotState): string[] {
    return [...this.pilots.values()].filter((p) => state === undefined || p.state === state).map((p) => p.id);
  }

  killCount(): number {
    return Object.values(this.kills).reduce((a, b) => a + (b ?? 0), 0);
  }

  /** Decides on `obs`, a host sample (taken now unless it says when), and applies the decision.
   *  The observation is the daemon's own (observationOf): the sample's time, the local time
   *  (unless the test sets it), the pilot counts. */
  step(obs: Observation = hostObs()): Decision {
    const ids = { running: this.ids("running"), paused: this.ids("paused") };
    const sample = { atMs: obs.sampled_at_ms ?? this.nowMs, values: obs };
    const setByTest = Object.fromEntries(LOCAL_TIME.flatMap((k) => (k in obs ? [[k, obs[k]!]] : [])));
    const full: Observation = { ...observationOf(sample, ids), ...setByTest };
    const d = decide({
      obs: full,
      pilots: this.list(),
      cfg: this.cfg,
      control: this.control,
      image: this.image,
      state: this.state,
      nowMs: this.nowMs,
      exits: this.exits.splice(0),
    });
    this.apply(d);
    return d;
  }

  /** One decision on an idle host with these extra inputs (the exits seen, a listing), not applied. */
  decideWith(extra: Pick<DecideInput, "exits" | "listing">, obs: Observation = hostObs()): Decision {
    const ids = { running: this.ids("running"), paused: this.ids("paused") };
    const full = observationOf({ atMs: this.nowMs, values: obs }, ids);
    const input = { obs: full, pilots: this.list(), cfg: this.cfg, control: this.control, image: this.image };
    return decide({ ...input, state: this.state, nowMs: this.nowMs, ...extra });
  }

  /** Steps every `everySeconds` for `forSeconds`, the observation a function of the sim. */
  run(
    forSeconds: number,
    everySeconds: number,
    obs: (sim: PolicySim) => Observation,
    check?: (d: Decision, sim: PolicySim) => void,
  ): void {
    for (let t = 0; t < forSeconds; t += everySeconds) {
      const d = this.step(obs(this));
      check?.(d, this);
      this.advance(everySeconds);
    }
  }

  private apply(d: Decision): void {
    this.decisions.push(d);
    this.state = d.next;
    this.warnings.push(...d.warnings);
    for (const k of d.kill) {
      if (!this.pilots.delete(k.id)) throw new Error(`kill of an unknown pilot ${k.id}`);
      this.kills[k.reason] = (this.kills[k.reason] ?? 0) + 1;
    }
    for (const r of d.remove) {
      if (!this.pilots.delete(r.id)) throw new Error(`remove of an unknown pilot ${r.id}`);
      this.removes[r.reason] = (this.removes[r.reason] ?? 0) + 1;
    }
    for (const p of d.pause) {
      const pilot = this.pilots.get(p.id);
      if (pilot?.state !== "running") throw new Error(`pause of a pilot not running: ${p.id}`);
      pilot.state = "paused";
      this.pauses++;
    }
    for (const u of d.unpause) {
      const pilot = this.pilots.get(u.id);
      if (pilot?.state !== "paused") throw new Error(`unpause of a pilot not paused: ${u.id}`);
      pilot.state = "running";
      this.unpauses++;
    }
    for (let i = 0; i < d.start; i++) this.add("running");
    this.starts += d.start;
    if (d.pull) {
      this.pulls++;
      this.image = this.pullSucceeds
        ? { image: this.cfg.image, lastPullAtMs: this.nowMs, failures: 0 }
        : { ...this.image, lastPullFailedAtMs: this.nowMs, failures: (this.image.failures ?? 0) + 1 };
    }
  }
}

/** A small seeded PRNG (mulberry32): the same trace every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
