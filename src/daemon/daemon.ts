// The daemon: wiring and lifecycle. Each fact has one owner, built here and connected:
//   ConfigStore / ConfigInForce  the configuration and what follows from it on this host
//   ControlWatcher               the control files (drain, stop, force-stop)
//   EngineConnection             whether the engine answers, its facts, its pilot events
//   HostSampling / PilotPlacement  the host's samples; where pilots run, at what priority
//   ImagePuller                  the pilot image and its pulls
//   Reconciler                   the pilot cache and the policy's memory; one tick:
//                                observe, decide (policy/decide.ts), act (act.ts)
//   TickTimers                   every timer: main_sleep and the follow-ups ticks ask for
// Ticks run one at a time (TickQueue): every main_sleep, on a pilot event, a config
// or control change, and after each host sample (then without listing or launching, so
// the owner gets the CPU back within a sample).
import os from "node:os";
import type { Config } from "../config/schema.js";
import type { ContainerEngine } from "../runtime/index.js";
import { ConfigInForce } from "./owners/config-in-force.js";
import { ConfigStore, type EffectiveConfig } from "./owners/config-store.js";
import { ensureRundir } from "./owners/control-files.js";
import { ControlWatcher } from "./owners/control-watcher.js";
import { DaemonFleet } from "./owners/fleet-link.js";
import { DaemonMetrics } from "./report/daemon-metrics.js";
import { EngineConnection } from "./owners/engine-connection.js";
import { HistoryLog } from "./report/history.js";
import { HostSampling, type HostSamplingLike } from "./owners/host-sampling.js";
import { ImagePuller } from "./owners/image-puller.js";
import { ManagedInstances } from "./owners/instances.js";
import { instanceOf } from "./loop/labels.js";
import { KernelFreezer } from "./owners/kernel-freezer.js";
import { withKernelFreezer } from "./owners/freezing-engine.js";
import { PilotMemoryUsage } from "./owners/pilot-memory-usage.js";
import { GiveBackWatch } from "./owners/give-back-watch.js";
import { OwnerSuppression } from "./owners/owner-suppression.js";
import type { Logger } from "./process/logger.js";
import { ensureLogdir } from "./process/own-dirs.js";
import { PilotPlacement, type PilotPlacementLike } from "./owners/pilot-placement.js";
import { TickQueue, type ReconcileRequest } from "./loop/tick-queue.js";
import { Reconciler } from "./loop/reconciler.js";
import type { StatusSnapshot } from "./report/status.js";
import { statusOf } from "./report/status-view.js";
import { TickTimers } from "./loop/tick-timers.js";
import { VERSION } from "./process/version.js";

export interface DaemonOptions {
  configFile: string;
  rundir: string;
  logdir: string;
  engine: ContainerEngine;
  logger: Logger;
  clock?: () => number;
  hostname?: string;
  /** Replaces the host sampling (tests: observations set by the test). */
  sampling?: HostSamplingLike;
  /** Replaces the pilots' placement (tests: no cgroup parent, normal priority). */
  placement?: PilotPlacementLike;
  /** A test double of the whole host: both of the above. */
  observer?: HostObserverLike;
}

/** A test double of the whole host (FixedObserver): samples and places pilots. */
export type HostObserverLike = HostSamplingLike & PilotPlacementLike;

export type ExitReason = "stopped" | "drain-stop" | "force-stop";

/** A pilot event or a finished action: decide again soon (the engine's answer shows in a listing). */
const EVENT_DEBOUNCE_MS = 200;
const FULL: Omit<ReconcileRequest, "cause"> = { relist: true, allowStart: true };

export class Daemon {
  private readonly clock: () => number;
  private readonly logger: Logger;
  private readonly hostname: string;
  private readonly startedAtMs: number;
  private readonly configStore: ConfigStore;
  private readonly history: HistoryLog;
  private readonly lock: TickQueue;
  private readonly timers = new TickTimers();
  private readonly connection: EngineConnection;
  private readonly control: ControlWatcher;
  private readonly sampling: HostSamplingLike;
  private readonly placement: PilotPlacementLike;
  private readonly metrics: DaemonMetrics;
  private readonly fleet: DaemonFleet;
  /** The give-back freeze: the kernel's freezer, the engine's pause as the fallback. */
  private readonly kernelFreezer: KernelFreezer;
  private readonly engine: ContainerEngine;
  private readonly pilotMemory = new PilotMemoryUsage();
  private readonly watch: GiveBackWatch;
  private readonly suppression: OwnerSuppression;
  private inForce!: ConfigInForce;
  private instances!: ManagedInstances;
  private puller!: ImagePuller;
  private reconciler!: Reconciler;
  private stopping = false;
  private resolveDone!: (r: ExitReason) => void;
  /** Resolves when the daemon has stopped, by stop() or by itself (drain-stop, force-stop). */
  readonly done: Promise<ExitReason>;

  constructor(private readonly opts: DaemonOptions) {
    this.clock = opts.clock ?? Date.now;
    this.logger = opts.logger;
    this.hostname = opts.hostname ?? os.hostname().split(".")[0] ?? "host";
    this.startedAtMs = this.clock();
    this.configStore = new ConfigStore(opts.configFile, opts.logger);
    this.history = new HistoryLog(opts.logdir);
    this.lock = new TickQueue(
      (req) => this.runTick(req),
      (err, req) =>
        this.logger.error(
          { err: (err as Error).stack },
          `reconciliation (${req.cause}) failed: ${(err as Error).message}; trying again at the next tick`,
        ),
    );
    this.kernelFreezer = new KernelFreezer(opts.logger);
    this.engine = withKernelFreezer(opts.engine, this.kernelFreezer);
    this.connection = new EngineConnection(this.engine, opts.logger, this.clock);
    this.control = new ControlWatcher(opts.rundir, opts.logger, () => void this.request("control"));
    this.sampling =
      opts.sampling ??
      opts.observer ??
      new HostSampling({ clock: this.clock, logger: this.logger, startedAtMs: this.startedAtMs });
    this.placement =
      opts.placement ?? opts.observer ?? new PilotPlacement({ clock: this.clock, logger: this.logger });
    this.metrics = new DaemonMetrics(this.hostname, this.logger);
    this.suppression = new OwnerSuppression(opts.logger);
    this.watch = new GiveBackWatch({
      logger: opts.logger,
      sampleNow: () => this.sampling.sampleNow?.() ?? Promise.resolve(),
      sampledOwner: () => this.sampling.latest()?.values.cpu_owner,
      minFreeMem: () => this.inForce.policy.minFreeMem,
      ramBytes: () => this.sampling.hostFacts().ramBytes,
    });
    this.fleet = new DaemonFleet({
      rundir: opts.rundir,
      hostname: this.hostname,
      logger: opts.logger,
      snapshot: () => this.snapshot(),
    });
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
    this.configStore.on("change", (next) => void this.applyConfig(next));
    this.configStore.on("invalid", (err) => this.inForce.invalid(err));
    this.configStore.on("recovered", () => this.inForce.recovered(this.configStore.current));
    await ensureRundir(this.opts.rundir);
    await ensureLogdir(this.opts.logdir);
    this.instances = await ManagedInstances.load(this.instance, this.opts.rundir);
    if (this.instances.retiredInstances().length > 0)
      this.logger.info(
        `still managing the pilots of earlier instance(s) ${this.instances.retiredInstances().join(", ")} until they end`,
      );
    await this.control.start();
    await this.metrics.configure(this.config);
    this.puller = new ImagePuller(this.config.docker_image, {
      engine: this.engine,
      logger: this.logger,
      clock: this.clock,
      engineUp: () => this.connection.available,
      onPulled: (image, ok, ms, error) => this.metrics.pull(image, ok, ms, error),
      requestTick: () => void this.lock.request({ relist: false, allowStart: true, cause: "pull" }),
    });
    this.reconciler = new Reconciler({
      engine: this.engine,
      connection: this.connection,
      instances: this.instances,
      puller: this.puller,
      sampling: this.sampling,
      placement: this.placement,
      metrics: this.metrics,
      history: this.history,
      logger: this.logger,
      clock: this.clock,
      hostname: this.hostname,
      logdir: this.opts.logdir,
      startedAtMs: this.startedAtMs,
      config: () => this.config,
      policy: () => this.inForce.policy,
      control: () => this.control.state,
      rewatch: () => this.watchEvents(),
      engineBack: () => void this.connect().then(() => this.request("docker-back")),
      exit: (reason) => void this.exitAfter(reason),
      stopEnded: () => this.followUp("event"),
      stopping: () => this.stopping,
      withMemory: (pilots) => this.pilotMemory.withUsage(pilots),
    });
    await this.connect();
    this.sampling.start(
      this.config,
      () => this.reconciler.pilots.ids(),
      () => this.sampled(),
    );
    this.armMainTimer();
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
    this.timers.close();
    this.connection.close();
    this.sampling.stop();
    this.watch.stop();
    await this.suppression.stop();
    await this.control.close();
    await this.configStore.close();
    await this.lock.settled();
    await this.fleet.stop();
    await this.metrics.close();
    this.logger.info({ reason }, `plancton stopped (${reason})`);
    this.resolveDone(reason);
  }

  /** Runs one full reconciliation now (tests, SIGHUP). */
  tickNow(cause = "manual"): Promise<void> {
    return this.request(cause);
  }

  async reloadConfig(): Promise<void> {
    await this.configStore.reload();
  }

  historyLog(): HistoryLog {
    return this.history;
  }

  snapshot(): StatusSnapshot {
    const store = this.configStore.current;
    return statusOf({
      identity: {
        pid: process.pid,
        version: VERSION,
        hostname: this.hostname,
        instance: this.instance,
        startedAtMs: this.startedAtMs,
        configFile: this.opts.configFile,
      },
      nowMs: this.clock(),
      config: this.config,
      configAbsent: !store.exists,
      configWarnings: this.inForce.warnings(),
      configError: this.inForce.error,
      controlNote: this.control.note,
      docker: this.connection.state(),
      cpuPriority: this.placement.cpuPriority(),
      host: this.sampling.hostInfo?.(),
      sampleErrors: this.sampling.sampleErrors?.() ?? [],
      image: this.puller.view(),
      maxDocks: this.inForce.policy.maxDocks,
      pilots: this.reconciler.pilots.all(),
      observation: this.reconciler.observation(),
      decision: this.reconciler.lastDecision(),
      lastTick: this.reconciler.lastTick(),
      metrics: { metrics: this.metrics.stats(), prometheus: this.metrics.prometheus() },
      remote: this.configStore.status(),
      retiredInstances: this.instances.retiredInstances(),
      configSources: store.sources,
      fleet: this.fleet.state(),
      giveBack: {
        freeze: this.kernelFreezer.inForce(),
        "memory victims": this.pilotMemory.inForce(),
        ...this.watch.inForce(),
        "owner suppress": this.suppression.inForce(this.config),
      },
    });
  }

  private request(cause: string): Promise<void> {
    return this.lock.request({ ...FULL, cause });
  }

  private async runTick(req: ReconcileRequest): Promise<void> {
    if (this.stopping) return;
    const { requeue } = await this.reconciler.tick(req);
    if (requeue) this.followUp(requeue);
  }

  private followUp(kind: "event" | "docker-retry"): void {
    if (this.stopping) return;
    const delay = kind === "event" ? () => EVENT_DEBOUNCE_MS : () => this.connection.retryAfterMs();
    this.timers.after(kind, delay, () => void this.request(kind));
  }

  /** A host sample: re-check the pilots' priority when due, and give the CPU back if needed. */
  private sampled(): void {
    void this.placement
      .recheckIfDue(this.reconciler.pilots.ids())
      .catch((err: Error) => this.logger.warn(`pilot CPU priority re-check failed: ${err.message}`));
    void this.lock.request({ relist: false, allowStart: false, cause: "sample" });
    const running = this.reconciler.pilots.ids().running.length;
    void this.suppression.afterSample(this.config, this.sampling.latest()?.values, running);
  }

  private async connect(): Promise<void> {
    const info = await this.connection.connect();
    if (!info) return void this.followUp("docker-retry");
    await this.placement.setEngine(info, this.config);
    this.kernelFreezer.setEngine(info, this.placement.placement().cgroupParent);
    this.pilotMemory.setEngine(info, this.placement.placement().cgroupParent);
    this.watch.setEngine(info, this.placement.placement().cgroupParent, this.config);
    await this.suppression.setEngine(info, this.placement.placement().cgroupParent);
    await this.sampling.setEngine(info, this.config, () => this.placement.meter());
    this.inForce.refresh(this.sampling.hostFacts()); // max_docks over the sampled ncpus, ram and swap
    this.watchEvents();
  }

  private watchEvents(): void {
    this.connection.watch(this.instances.labels(), () => this.followUp("event"));
  }

  private async exitAfter(reason: "drain-stop" | "force-stop"): Promise<void> {
    this.logger.info(`${reason}: no pilot left, exiting`);
    await this.control.clear(reason === "force-stop" ? "forceStop" : "drainStop");
    setImmediate(() => void this.stop(reason));
  }

  private async applyConfig(next: EffectiveConfig): Promise<void> {
    const prev = this.inForce.set(next, this.sampling.hostFacts());
    this.logger.level = next.config.log_level;
    if (prev.main_sleep !== next.config.main_sleep) this.armMainTimer();
    this.puller.configure(next.config.docker_image);
    if (
      prev.docker_image !== next.config.docker_image ||
      JSON.stringify(prev.docker_cmd) !== JSON.stringify(next.config.docker_cmd)
    )
      this.reconciler.forgetCrashLoop();
    if (instanceOf(prev) !== this.instance) {
      // The previous instance's pilots stay managed until they end: never orphaned.
      await this.instances.switchTo(this.instance);
      this.logger.info(
        `instance ${instanceOf(prev)} -> ${this.instance}: the ${instanceOf(prev)} pilots stay managed until they end`,
      );
      this.watchEvents();
    }
    this.placement.configure(next.config);
    this.sampling.configure(next.config);
    this.watch.configure(next.config);
    void this.fleet.configure(next.config);
    try {
      await this.metrics.configure(next.config);
    } catch (err) {
      // Never an unhandled rejection: the daemon runs on, with the metrics targets it had.
      this.logger.error(
        `metrics: the new targets could not be set up: ${(err as Error).message}; keeping the previous ones`,
      );
    }
    this.logger.info({ file: next.file }, "configuration reloaded");
    await this.request("config");
  }

  private armMainTimer(): void {
    // Control files are re-read here too, in case their watcher failed (inotify limits).
    this.timers.every(
      this.config.main_sleep * 1000,
      () => void this.control.reread().then(() => this.request("main_sleep")),
    );
  }
}
