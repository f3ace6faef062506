// The daemon: wiring and lifecycle. It builds the owner of each fact (owners/daemon-owners.ts)
// and the loop: TickTimers (every timer) -> TickQueue (ticks one at a time, and the only way
// a config applied, a reconnect or a control file reaches them) -> Reconciler.tick()
// (observe, decide in policy/decide.ts, act in loop/act.ts) -> its result, followed here.
// Triggers of a tick: start, main_sleep, sample, event, control, config, pull,
// docker-retry, docker-back, graceful-stop, SIGHUP (tickNow).
import os from "node:os";
import type { Config } from "../config/schema.js";
import type { DaemonOptions, ExitReason } from "./daemon-options.js";
import { ConfigInForce } from "./owners/config-in-force.js";
import { ConfigStore, type EffectiveConfig } from "./owners/config-store.js";
import { ensureRundir } from "./owners/control-files.js";
import { ControlWatcher } from "./owners/control-watcher.js";
import { DaemonFleet } from "./owners/fleet-link.js";
import { DaemonMetrics } from "./report/daemon-metrics.js";
import { EngineConnection } from "./owners/engine-connection.js";
import { GracefulStops } from "./owners/graceful-stops.js";
import { HistoryLog } from "./report/history.js";
import { HostSampling, type HostSamplingLike } from "./owners/host-sampling.js";
import { ImagePuller } from "./owners/image-puller.js";
import { ManagedInstances } from "./owners/instances.js";
import { instanceOf } from "./loop/labels.js";
import type { Logger } from "./process/logger.js";
import { ensureLogdir } from "./process/own-dirs.js";
import { PilotPlacement, type PilotPlacementLike } from "./owners/pilot-placement.js";
import { applyToOwners } from "./loop/config-apply.js";
import { connectEngine } from "./loop/engine-connect.js";
import { TickQueue, type TickRequest } from "./loop/tick-queue.js";
import { EVENT_DEBOUNCE_MS, Reconciler, type TickResult } from "./loop/reconciler.js";
import type { StatusSnapshot } from "./report/status.js";
import type { DaemonOwners } from "./owners/daemon-owners.js";
import { daemonStatus } from "./report/daemon-status.js";
import { TickTimers } from "./loop/tick-timers.js";
import { VERSION } from "./process/version.js";
import { Accounting, HISTORY_FILES } from "./report/accounting.js";
import { GiveBack } from "./owners/give-back.js";
import type { LivePilot } from "./report/accounting-live.js";

export type { DaemonOptions, ExitReason, HostObserverLike } from "./daemon-options.js";

export class Daemon {
  private readonly clock: () => number;
  private readonly logger: Logger;
  private readonly hostname: string;
  private readonly startedAtMs: number;
  private readonly configStore: ConfigStore;
  private readonly history: HistoryLog;
  private readonly queue: TickQueue;
  private readonly timers = new TickTimers();
  private readonly connection: EngineConnection;
  private readonly control: ControlWatcher;
  private readonly stops = new GracefulStops(() => this.followUp("graceful-stop", EVENT_DEBOUNCE_MS));
  private readonly sampling: HostSamplingLike;
  private readonly placement: PilotPlacementLike;
  private readonly metrics: DaemonMetrics;
  private readonly fleet: DaemonFleet;
  private readonly accounting: Accounting;
  private readonly giveBack: GiveBack;
  private inForce!: ConfigInForce;
  private instances!: ManagedInstances;
  private puller!: ImagePuller;
  private reconciler!: Reconciler;
  /** Every owner, once start() has built those that need the configuration. */
  private owners!: DaemonOwners;
  private stopping = false;
  private resolveDone!: (r: ExitReason) => void;
  /** Resolves when the daemon has stopped, by stop() or by itself (drain-stop, force-stop). */
  readonly done: Promise<ExitReason>;

  constructor(private readonly opts: DaemonOptions) {
    const { logger } = opts;
    this.clock = opts.clock ?? Date.now;
    this.logger = logger;
    this.hostname = opts.hostname ?? os.hostname().split(".")[0] ?? "host";
    this.startedAtMs = this.clock();
    this.configStore = new ConfigStore(opts.configFile, logger);
    this.history = new HistoryLog(opts.logdir, undefined, HISTORY_FILES);
    this.queue = new TickQueue((req) => this.runTick(req), logger);
    this.control = new ControlWatcher(opts.rundir, logger, (commit) => void this.request("control", commit));
    const { clock, startedAtMs } = this;
    this.sampling = opts.sampling ?? opts.observer ?? new HostSampling({ clock, logger, startedAtMs });
    const after = (ms: number, fn: () => void) => this.timers.after("watch-again", ms, fn);
    this.giveBack = new GiveBack(opts.engine, logger, this.sampling, () => this.inForce.policy, after);
    this.connection = new EngineConnection(this.giveBack.engine, logger, clock);
    this.metrics = new DaemonMetrics(this.hostname, logger);
    const reads = { pilots: () => this.reconciler?.pilots.view(), sample: () => this.sampling.latest() };
    const [keepSeconds, metrics] = [() => this.config.history_keep, () => this.metrics];
    this.accounting = new Accounting({ logdir: opts.logdir, logger, clock, metrics, keepSeconds, ...reads });
    const usage = this.accounting.usage;
    this.placement = opts.placement ?? opts.observer ?? new PilotPlacement({ clock, logger, usage });
    const snapshot = () => this.snapshot();
    this.fleet = new DaemonFleet({ rundir: opts.rundir, hostname: this.hostname, logger, snapshot });
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get instance(): string {
    return instanceOf(this.config);
  }

  private get config(): Config {
    return this.inForce.config;
  }

  /** Loads the config (a ConfigError is fatal here), then starts every loop. */
  async start(): Promise<void> {
    const loaded = await this.configStore.start();
    this.inForce = new ConfigInForce(loaded, this.logger, this.sampling.hostFacts());
    this.configStore.on("change", (next) => void this.request("config", () => this.applyConfig(next)));
    this.configStore.on("invalid", (err) => this.inForce.invalid(err));
    this.configStore.on("recovered", () => this.inForce.recovered(this.configStore.latest));
    await Promise.all([ensureRundir(this.opts.rundir), ensureLogdir(this.opts.logdir)]);
    this.instances = await ManagedInstances.load(this.instance, this.opts.rundir, this.logger);
    await this.control.start();
    await this.metrics.configure(this.config);
    await this.metrics.resendKept(this.opts.rundir); // what the last clean stop could not send
    const { engine } = this.giveBack;
    const { clock, logger, connection, metrics } = this;
    const requestTick = () => void this.queue.request({ relist: false, allowStart: true, cause: "pull" });
    const [engineUp, onPulled] = [() => connection.available, metrics.pull.bind(metrics)];
    const pulls = { engine, logger, clock, engineUp, onPulled, requestTick };
    this.puller = new ImagePuller(this.config.docker_image, pulls);
    const { configStore, inForce, control, instances, sampling, placement, puller, stops } = this;
    const { history, fleet, accounting, giveBack } = this;
    const loop = { engine, logger, clock, connection, metrics, configStore, inForce, control, instances };
    this.owners = { ...loop, sampling, placement, puller, stops, history, fleet, accounting, giveBack };
    const host = { hostname: this.hostname, logdir: this.opts.logdir, startedAtMs: this.startedAtMs };
    this.reconciler = new Reconciler({ ...this.owners, host });
    await this.connect(); // before any tick: nothing else runs yet
    const pilotIds = () => this.reconciler.pilots.ids();
    this.sampling.start(this.config, pilotIds, () => this.sampled());
    this.armTimers();
    void this.fleet.configure(this.config);
    this.logger.info(
      { version: VERSION, config: this.opts.configFile, instance: this.instance, pid: process.pid },
      `plancton ${VERSION} started (instance ${this.instance})`,
    );
    await this.request("start");
  }

  /** Stops the loops; pilots keep running (they are adopted at the next start). */
  async stop(reason: ExitReason = "stopped"): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.reconciler?.halt();
    this.timers.close();
    this.connection.close();
    await this.control.close();
    await this.configStore.close();
    await this.queue.settled();
    await this.fleet.stop();
    await this.metrics.close(this.opts.rundir);
    await this.accounting.hours.flush();
    await this.giveBack.stop(); // the pilots' cpuset restored
    this.logger.info({ reason }, `plancton stopped (${reason})`);
    this.resolveDone(reason);
  }

  /** Runs one full reconciliation now (tests, SIGHUP). */
  tickNow(cause = "manual"): Promise<void> {
    return this.request(cause);
  }

  /** SIGHUP: re-reads every source of the configuration, then decides again. */
  async reloadConfig(): Promise<void> {
    await this.configStore.reload();
    await this.request("SIGHUP");
  }

  historyLog(): HistoryLog {
    return this.history;
  }

  livePilots(): LivePilot[] {
    return this.accounting.live();
  }

  snapshot(): StatusSnapshot {
    const { hostname, startedAtMs, instance } = this;
    const identity = { version: VERSION, hostname, instance, startedAtMs, configFile: this.opts.configFile };
    return daemonStatus(identity, this.clock(), this.owners, this.reconciler);
  }

  /** A full tick (list, decide, act), after the changes it carries are applied. */
  private request(cause: string, ...apply: (() => Promise<void>)[]): Promise<void> {
    return this.queue.request({ relist: true, allowStart: true, cause, ...(apply.length ? { apply } : {}) });
  }

  private async runTick(req: TickRequest): Promise<void> {
    if (this.stopping) return;
    this.follow(await this.reconciler.tick(req));
  }

  /** What a tick asked for. */
  private follow(r: TickResult): void {
    if (r.rewatch) this.watchEvents();
    if (r.reconnect) void this.request("docker-back", () => this.connect());
    if (r.exit) void this.exitAfter(r.exit);
    if (r.requeueAfterMs !== undefined) this.followUp(r.requeueCause ?? "event", r.requeueAfterMs);
  }

  private followUp(cause: string, ms: number): void {
    if (!this.stopping) this.timers.after(cause, ms, () => void this.request(cause));
  }

  /** A host sample: re-check the pilots' priority when due, and give the CPU back if needed. */
  private sampled(): void {
    void this.placement
      .recheckIfDue(this.reconciler.pilots.ids())
      .catch((err: Error) => this.logger.warn(`pilot CPU priority re-check failed: ${err.message}`));
    void this.queue.request({ relist: false, allowStart: false, cause: "sample" });
    const [values, running] = [this.sampling.latest()?.values, this.reconciler.pilots.ids().running.length];
    void this.giveBack.afterSample(this.config, values, running);
  }

  private async connect(): Promise<void> {
    if (await connectEngine(this.owners)) this.watchEvents();
    this.armTimers(); // watch_interval reads need the engine's cgroup layout
  }

  private watchEvents(): void {
    this.connection.watch(this.instances.labels(), () => this.followUp("event", EVENT_DEBOUNCE_MS));
  }

  private async exitAfter(reason: "drain-stop" | "force-stop"): Promise<void> {
    this.logger.info(`${reason}: no pilot left, exiting`);
    await this.control.clear(reason === "force-stop" ? "forceStop" : "drainStop");
    setImmediate(() => void this.stop(reason));
  }

  /** Every period of the loop, in TickTimers; re-armed when the configuration changes. */
  private armTimers(): void {
    const c = this.config;
    // Control files are re-read here too, in case their watcher failed (inotify limits).
    const mainSleep = () => void this.control.reread().then(() => this.request("main_sleep"));
    this.timers.every("main_sleep", c.main_sleep * 1000, mainSleep);
    this.timers.every("sample", c.sample_interval * 1000, () => void this.sampling.sample());
    this.timers.every("input", this.sampling.inputPollMs?.() ?? 0, () => void this.sampling.pollInput?.());
    this.timers.every("watch", this.giveBack.watch.periodMs, () => this.giveBack.watch.check());
    for (const r of this.configStore.rereads())
      this.timers.every(r.key, r.seconds * 1000, () => void r.run());
  }

  /** A new configuration, applied by the tick queue before the tick it asks for. */
  private async applyConfig(next: EffectiveConfig): Promise<void> {
    const prev = this.inForce.set(next, this.sampling.hostFacts());
    await applyToOwners(prev, next.config, { ...this.owners, watchEvents: () => this.watchEvents() });
    this.armTimers();
    this.logger.info({ file: next.file }, "configuration reloaded");
  }
}
