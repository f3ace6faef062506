// One tick of the daemon: observe, decide, act. The reconciler owns the pilot cache and
// the policy's memory. It lists the pilots (one engine call) when asked to, composes the
// observation, asks the pure decide() what to do, and hands the whole decision to act().
// It owns no timer: the outcome says when to run again (controller-runtime's "requeue").
import type { Config } from "../../config/schema.js";
import { decide, initialPolicyState } from "../../policy/index.js";
import type { Decision, Listing, PolicyConfig, PolicyPilot, PolicyState } from "../../policy/types.js";
import { pilotName, type ContainerEngine } from "../../runtime/index.js";
import type { Observation } from "../../vocabulary.js";
import { act, type ActResult } from "./act.js";
import type { ControlState } from "../owners/control-files.js";
import type { DaemonMetrics } from "../report/daemon-metrics.js";
import type { EngineConnection } from "../owners/engine-connection.js";
import { onPilotFinished } from "./fast-exits.js";
import type { HistoryLog, PilotRecord } from "../report/history.js";
import type { HostSamplingLike } from "../owners/host-sampling.js";
import type { ImagePuller } from "../owners/image-puller.js";
import type { ManagedInstances } from "../owners/instances.js";
import { instanceOf } from "./labels.js";
import type { Logger } from "../process/logger.js";
import { observationOf } from "./observation.js";
import { PilotCache } from "../owners/pilot-cache.js";
import { keepPilotLog } from "../report/pilot-logs.js";
import type { PilotPlacementLike } from "../owners/pilot-placement.js";
import { pilotSpec } from "./launch-spec.js";
import type { ReconcileRequest } from "./tick-queue.js";
import type { StatusSnapshot } from "../report/status.js";

export interface ReconcilerDeps {
  engine: ContainerEngine;
  connection: EngineConnection;
  instances: ManagedInstances;
  puller: ImagePuller;
  sampling: HostSamplingLike;
  placement: PilotPlacementLike;
  metrics: DaemonMetrics;
  history: HistoryLog;
  logger: Logger;
  clock: () => number;
  hostname: string;
  logdir: string;
  startedAtMs: number;
  config: () => Config;
  policy: () => PolicyConfig;
  control: () => ControlState;
  /** The managed instances changed (the last pilot of a retired one ended): watch again. */
  rewatch: () => void;
  /** A listing answered after an outage: connect again (engine facts may have changed). */
  engineBack: () => void;
  /** decision.exit: clear the control file and stop. */
  exit: (reason: "drain-stop" | "force-stop") => void;
  /** A graceful stop ended in the background. */
  stopEnded: () => void;
  /** Whether a stop of the daemon was asked (a stop during a listing starts nothing). */
  stopping: () => boolean;
  /** Adds each pilot's own cgroup memory usage (the memory victims' rule); absent: unknown. */
  withMemory?: (pilots: PolicyPilot[]) => PolicyPilot[];
}

/** When to run again: soon after acting (the engine's answer shows in a listing), or after the reconnect backoff. */
export interface TickOutcome {
  requeue?: "event" | "docker-retry";
}

export type LastTick = NonNullable<StatusSnapshot["lastTick"]>;

export class Reconciler {
  readonly pilots = new PilotCache();
  private state: PolicyState = initialPolicyState();
  private decision?: Decision;
  private tickInfo?: LastTick;
  private adopted = false;
  /** Graceful stops (SIGTERM, SIGKILL after stop_grace) in flight, across decisions. */
  private readonly gracefulStops = new Map<string, { escalated: boolean }>();

  constructor(private readonly deps: ReconcilerDeps) {}

  lastDecision(): Decision | undefined {
    return this.decision;
  }

  lastTick(): LastTick | undefined {
    return this.tickInfo;
  }

  policyState(): PolicyState {
    return this.state;
  }

  observation(): Observation {
    return observationOf(this.deps.sampling.latest(), this.pilots.ids());
  }

  /** A new command or image may be the fix: the next launch goes without the crash-loop backoff. */
  forgetCrashLoop(): void {
    this.state = { ...this.state, crashLoop: undefined };
  }

  async tick(req: ReconcileRequest): Promise<TickOutcome> {
    const { connection, engine } = this.deps;
    const t0 = performance.now();
    const calls0 = engine.apiCalls;
    if (!connection.available && req.cause === "sample") return {}; // the reconnect owns it
    let listing: Listing = {};
    if (req.relist || !connection.available) {
      try {
        const { pilots, changed } = await this.deps.instances.list(engine);
        this.pilots.replace(pilots);
        if (changed) this.deps.rewatch();
        const wasDown = connection.answered();
        if (wasDown) this.deps.engineBack();
        listing = this.listingFacts(wasDown);
      } catch (err) {
        connection.down(err as Error);
        return { requeue: "docker-retry" };
      }
    }
    const now = this.deps.clock();
    const obs = this.observation();
    // Harvest without the original's headroom only while the parent really is at idle weight.
    const policy = { ...this.deps.policy(), cpuPriority: this.deps.placement.cpuPriority().mode };
    const stopping = new Set(this.gracefulStops.keys());
    const decision = decide(
      obs,
      this.deps.withMemory?.(this.pilots.forPolicy(stopping)) ?? this.pilots.forPolicy(stopping),
      policy,
      this.deps.control(),
      this.deps.puller.status(),
      this.state,
      now,
      listing,
    );
    this.state = decision.next;
    this.decision = decision;
    for (const w of decision.warnings) this.deps.logger.warn(w);
    const allowStart = req.allowStart && !this.deps.stopping();
    const acted =
      (decision.start > 0 && allowStart) ||
      decision.kill.length + decision.remove.length + decision.pause.length + decision.unpause.length > 0;
    if (!acted && !req.relist && !decision.pull && !decision.exit) return {}; // a sample with nothing to do: no bookkeeping
    const result = await act(decision, this.pilots.view(), allowStart, this.actDeps());
    this.pilots.added(result.started); // known before the next listing
    if (acted) this.deps.logger.debug({ explain: decision.explain, cause: req.cause }, "decision");
    this.tickInfo = {
      atMs: now,
      durationMs: Math.round((performance.now() - t0) * 100) / 100,
      apiCalls: engine.apiCalls - calls0,
      cause: req.cause,
    };
    this.report(obs, decision, result);
    const changedPilots =
      result.started.length > 0 || result.killed + result.removed + result.paused + result.resumed > 0;
    return changedPilots ? { requeue: "event" } : {};
  }

  /** The first listing adopts a previous run's pilots; "created" ones then (and after an
   *  outage) were left by a launch that cannot go on: decide() removes them at once. */
  private listingFacts(afterOutage: boolean): Listing {
    if (!this.adopted) {
      this.adopted = true;
      const adopted = this.pilots.all().filter((p) => p.state !== "created").length;
      if (adopted > 0) this.deps.logger.info(`adopted ${adopted} pilot(s) of a previous run`);
      return { staleCreated: "created by a previous run but never started" };
    }
    return afterOutage ? { staleCreated: "created while Docker went away, never started" } : {};
  }

  private actDeps() {
    const d = this.deps;
    const config = d.config();
    return {
      engine: d.engine,
      logger: d.logger,
      now: d.clock,
      specFor: () =>
        pilotSpec(config, {
          name: pilotName(config.container_prefix),
          hostname: d.hostname,
          instance: instanceOf(config),
          ...d.placement.placement(),
        }),
      launchConcurrency: config.launch_concurrency,
      onFinished: (rec: PilotRecord) => this.finished(rec),
      keepLog: (id: string, name: string) => keepPilotLog(d.engine, id, name, d.logdir),
      urgent: <T>(fn: () => Promise<T>) => d.placement.atFullWeight(fn),
      onEvent: (
        event: "started" | "paused" | "resumed",
        pilot: { id: string; name: string },
        reason: string,
      ) => d.metrics.pilotEvent(event, pilot, reason),
      stopGraceSeconds: config.stop_grace,
      stopping: this.gracefulStops,
      afterStop: d.stopEnded,
      pull: () => d.puller.pull(),
      exit: d.exit,
    };
  }

  private finished(rec: PilotRecord): void {
    this.pilots.ended(rec.id);
    const { record, crashLoop, warning } = onPilotFinished(rec, this.state.crashLoop, this.deps.logdir);
    this.state = { ...this.state, crashLoop };
    if (warning) this.deps.logger.warn({ pilot: rec.name, exitCode: rec.exitCode }, warning);
    void this.deps.history.append(record);
    this.deps.metrics.pilotFinished(record);
  }

  private report(obs: Observation, decision: Decision, result: ActResult): void {
    const d = this.deps;
    d.metrics.tick(
      {
        observation: obs,
        mode: decision.mode,
        running: obs.running ?? 0,
        paused: obs.paused ?? 0,
        startedAtMs: d.startedAtMs,
        cpuPriority: d.placement.cpuPriority().mode,
        host: d.sampling.hostInfo?.(),
        engine: d.connection.state().engine,
        fastExits: this.state.crashLoop?.fastExits ?? 0,
      },
      result,
      this.tickInfo!,
    );
  }
}
