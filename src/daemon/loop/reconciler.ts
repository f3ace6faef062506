// One tick of the daemon: observe, decide, act. The reconciler owns the pilot cache and
// the policy's memory (written once a tick: state = decision.next). It lists the pilots
// (one engine call) when asked to, composes decide()'s one input, and hands the whole
// decision to act(). It owns no timer and calls nothing back: its result says when to run
// again (controller-runtime's RequeueAfter) and what the daemon must do (exit, reconnect).
import { decide, historyReason, initialPolicyState, isFastExit } from "../../policy/index.js";
import type { Decision, Listing, PilotExit, PolicyState } from "../../policy/policy-types.js";
import { pilotName } from "../../runtime/index.js";
import type { Observation } from "../../vocabulary.js";
import { act, type ActDeps, type ActResult } from "./act.js";
import type { DaemonOwners } from "../owners/daemon-owners.js";
import type { PilotRecord } from "../report/history.js";
import { lostCauseOf, withUsage } from "../report/accounting-record.js";
import { instanceOf } from "./labels.js";
import { lastOutputLine } from "../report/last-output.js";
import { observationOf } from "./observation.js";
import { PilotCache } from "../owners/pilot-cache.js";
import { keepPilotLog } from "../report/pilot-logs.js";
import { pilotSpec } from "./launch-spec.js";
import type { TickRequest } from "./tick-queue.js";
import type { LastTick } from "../report/status.js";

/** A pilot event or a finished action: decide again soon (the engine's answer shows in a listing). */
export const EVENT_DEBOUNCE_MS = 200;
/** How many recorded ends are remembered against a second record of the same pilot. */
const RECORDED_KEPT = 4096;

/** The owners a tick reads and reports to; `host` says where and since when it runs. */
export type ReconcilerDeps = Pick<
  DaemonOwners,
  | "engine"
  | "connection"
  | "instances"
  | "puller"
  | "sampling"
  | "placement"
  | "inForce"
  | "control"
  | "stops"
  | "metrics"
  | "history"
  | "accounting"
  | "giveBack"
  | "logger"
  | "clock"
> & { host: { hostname: string; logdir: string; startedAtMs: number } };

/** What one tick asks of the daemon (controller-runtime's Result). */
export interface TickResult {
  /** Run again after this long: soon after acting, or after the reconnect backoff. */
  requeueAfterMs?: number;
  requeueCause?: "event" | "docker-retry";
  /** decision.exit: clear that control file and stop. */
  exit?: "drain-stop" | "force-stop";
  /** A listing answered after an outage: connect again (engine facts may have changed). */
  reconnect?: boolean;
  /** The managed instances changed (the last pilot of a retired one ended): watch again. */
  rewatch?: boolean;
}

export class Reconciler {
  readonly pilots = new PilotCache();
  private state: PolicyState = initialPolicyState();
  private decision?: Decision;
  private tickInfo?: LastTick;
  private adopted = false;
  private halted = false;
  /** Pilots that ended since the last decision: decide() counts the fast exits. */
  private exits: PilotExit[] = [];
  /** The last pilots recorded as ended (insertion order), so none is recorded twice. */
  private readonly recorded = new Set<string>();

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

  /** The daemon is stopping: a tick under way starts nothing more. */
  halt(): void {
    this.halted = true;
  }

  async tick(req: TickRequest): Promise<TickResult> {
    const { connection, engine } = this.deps;
    const t0 = performance.now();
    const calls0 = engine.apiCalls;
    if (!connection.available && req.cause === "sample") return {}; // the reconnect owns it
    let listing: Listing | undefined;
    let facts: TickResult = {};
    if (req.relist || !connection.available) {
      try {
        const { pilots, changed } = await this.deps.instances.list(engine);
        this.pilots.replace(pilots);
        const wasDown = connection.answered();
        facts = { ...(changed ? { rewatch: true } : {}), ...(wasDown ? { reconnect: true } : {}) };
        listing = this.listingOf(wasDown);
      } catch (err) {
        connection.down(err as Error);
        return { requeueAfterMs: connection.retryAfterMs(), requeueCause: "docker-retry" };
      }
    }
    const now = this.deps.clock();
    const obs = this.observation();
    const decision = decide({
      obs,
      pilots: this.deps.giveBack.withMemory(this.pilots.forPolicy(this.deps.stops.ids())),
      // Harvest without the original's headroom only while the parent really is at idle weight.
      cfg: { ...this.deps.inForce.policy, cpuPriority: this.deps.placement.cpuPriority().mode },
      control: this.deps.control.state,
      image: this.deps.puller.status(),
      state: this.state,
      nowMs: now,
      listing,
      exits: this.exits.splice(0),
    });
    this.state = decision.next;
    this.decision = decision;
    for (const w of decision.warnings) this.deps.logger.warn(w);
    if (decision.exit) facts.exit = decision.mode === "force-stop" ? "force-stop" : "drain-stop";
    const allowStart = req.allowStart && !this.halted;
    const acted =
      (decision.start > 0 && allowStart) ||
      decision.kill.length + decision.remove.length + decision.pause.length + decision.unpause.length > 0;
    // A sample with nothing to do: no bookkeeping.
    if (!acted && !req.relist && !decision.pull && !decision.exit) return facts;
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
    return changedPilots ? { ...facts, requeueAfterMs: EVENT_DEBOUNCE_MS, requeueCause: "event" } : facts;
  }

  /** The first listing adopts a previous run's pilots (policy/stale-created.ts reads the listing). */
  private listingOf(afterOutage: boolean): Listing {
    if (this.adopted) return { afterOutage };
    this.adopted = true;
    const adopted = this.pilots.all().filter((p) => p.state !== "created").length;
    if (adopted > 0) this.deps.logger.info(`adopted ${adopted} pilot(s) of a previous run`);
    return { firstOfRun: true };
  }

  private actDeps(): ActDeps {
    const d = this.deps;
    const config = d.inForce.config;
    const { hostname, logdir } = d.host;
    return {
      engine: d.engine,
      logger: d.logger,
      now: d.clock,
      specFor: () =>
        pilotSpec(config, {
          name: pilotName(config.container_prefix),
          hostname,
          instance: instanceOf(config),
          ...d.placement.placement(),
        }),
      launchConcurrency: config.launch_concurrency,
      onFinished: (rec) => this.finished(rec),
      keepLog: (id, name) => keepPilotLog(d.engine, id, name, logdir),
      urgent: (fn) => d.placement.atFullWeight(fn),
      onEvent: (event, pilot, reason) => {
        d.metrics.pilotEvent(event, pilot, reason);
        if (event === "paused") d.accounting.usage.paused(pilot.id);
      },
      stops: d.stops,
      pull: () => d.puller.pull(),
      beforeEnd: (ids) => d.accounting.usage.readFinal(ids, d.clock()),
    };
  }

  /** A pilot ended: the history records it ("fast_exit" when it failed at once, policy/fast-exits.ts);
   *  the next decision counts it. */
  private finished(ended: PilotRecord): void {
    this.pilots.ended(ended.id);
    // A pilot ends once: a listing that still shows one already recorded (its removal not yet
    // seen by the engine's list) removes it again, silently, never as a second end.
    if (this.recorded.has(ended.id)) return;
    this.recorded.add(ended.id);
    if (this.recorded.size > RECORDED_KEPT) this.recorded.delete(this.recorded.values().next().value!);
    const usage = this.deps.accounting.usage.take(ended.id, lostCauseOf(ended.reason));
    const rec = withUsage(ended, usage);
    const lastOutput = isFastExit(rec) ? lastOutputLine(this.deps.host.logdir, rec.name) : undefined;
    this.exits.push({ ...rec, lastOutput });
    const record = { ...rec, reason: historyReason(rec) };
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
        startedAtMs: d.host.startedAtMs,
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
