// The daemon: observe -> decide -> act. Each reconciliation lists the pilots (one Docker
// call), takes the latest host observation, asks the pure policy, and carries out its
// decision. It runs every main_sleep, at once on a pilot event, a config change or a
// control command, and after every host sample (then only to give the CPU back: no
// Docker listing, no launch), so the owner gets the machine back within a sample.
import os from "node:os";
import path from "node:path";
import { watch, type FSWatcher } from "chokidar";
import { ConfigError } from "../config/errors.js";
import type { Config } from "../config/schema.js";
import { decide, initialPolicyState } from "../policy/index.js";
import type { Decision, PolicyConfig, PolicyPilot, PolicyState } from "../policy/types.js";
import { EngineUnavailableError, pilotName, type ContainerEngine, type PilotInfo } from "../runtime/index.js";
import { act } from "./act.js";
import { ensureRundir, readControl, clearControl, type ControlState } from "./control-files.js";
import { controlNote } from "./control-note.js";
import { HistoryLog, type PilotRecord } from "./history.js";
import { ensureLogdir } from "./own-dirs.js";
import { ManagedInstances } from "./instances.js";
import { instanceOf } from "./labels.js";
import type { Logger } from "./logger.js";
import { keepPilotLog } from "./pilot-logs.js";
import { onPilotFinished } from "./fast-exits.js";
import { pilotSpec } from "./pilot-spec.js";
import { policyConfigOf } from "./policy-config.js";
import { ConfigStore, type EffectiveConfig } from "./config-store.js";
import { ReconcileLock, type ReconcileRequest } from "./reconcile-lock.js";
import { engineLine, type StatusSnapshot } from "./status.js";
import { HostObserver, type HostObserverLike } from "./host-observer.js";
import { DaemonMetrics } from "./daemon-metrics.js";
import { DaemonFleet } from "./daemon-fleet.js";
import { VERSION } from "./version.js";

export interface DaemonOptions {
  configFile: string;
  rundir: string;
  logdir: string;
  engine: ContainerEngine;
  logger: Logger;
  clock?: () => number;
  hostname?: string;
  /** Overrides the sampler's reading of the host, for tests. */
  observer?: HostObserverLike;
}

export type ExitReason = "stopped" | "drain-stop" | "force-stop";

export class Daemon {
  private readonly clock: () => number;
  private readonly logger: Logger;
  private readonly engine: ContainerEngine;
  private readonly hostname: string;
  private readonly configStore: ConfigStore;
  private readonly history: HistoryLog;
  private readonly lock: ReconcileLock;
  private readonly fleet: DaemonFleet;
  private observer!: HostObserverLike;
  private metrics!: DaemonMetrics;
  private config!: Config;
  private instances!: ManagedInstances;
  private policy!: PolicyConfig;
  private policyWarnings: string[] = [];
  private state: PolicyState = initialPolicyState();
  private control: ControlState = { draining: false, drainStop: false, forceStop: false };
  private controlNote?: string;
  private pilots = new Map<string, PilotInfo>();
  /** Graceful stops (SIGTERM, SIGKILL after stop_grace) in flight, across decisions. */
  private readonly gracefulStops = new Map<string, { escalated: boolean }>();
  private lastDecision?: Decision;
  private lastTick?: StatusSnapshot["lastTick"];
  private configWarnings: string[] = [];
  private configError?: string;
  private mainTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private eventDebounce?: NodeJS.Timeout;
  private controlWatcher?: FSWatcher;
  private events?: { close(): void };
  private docker: StatusSnapshot["docker"] = { available: false };
  private dockerBackoffMs = 1000;
  private dockerDownSaid = false;
  private image: { name: string; usable: boolean; lastPullAtMs?: number; lastPullFailedAtMs?: number; lastPullError?: string; pulling: boolean } = { name: "", usable: false, pulling: false };
  private stopping = false;
  private adopted = false;
  private controlRead: Promise<void> = Promise.resolve();
  private readonly startedAtMs: number;
  private resolveDone!: (r: ExitReason) => void;
  /** Resolves when the daemon has stopped, by stop() or by itself (drain-stop, force-stop). */
  readonly done: Promise<ExitReason>;

  constructor(private readonly opts: DaemonOptions) {
    this.clock = opts.clock ?? Date.now;
    this.logger = opts.logger;
    this.engine = opts.engine;
    this.hostname = opts.hostname ?? os.hostname().split(".")[0] ?? "host";
    this.configStore = new ConfigStore(opts.configFile, opts.logger);
    this.history = new HistoryLog(opts.logdir);
    this.lock = new ReconcileLock((req) => this.reconcile(req), (err, req) =>
      this.logger.error({ err: (err as Error).stack }, `reconciliation (${req.cause}) failed: ${(err as Error).message}; trying again at the next tick`));
    this.startedAtMs = this.clock();
    this.fleet = new DaemonFleet({ rundir: opts.rundir, hostname: this.hostname, logger: opts.logger, snapshot: () => this.snapshot() });
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get instance(): string {
    return instanceOf(this.config);
  }

  /** Loads the config (a ConfigError is fatal here), then starts every loop. */
  async start(): Promise<void> {
    const loaded = await this.configStore.start();
    this.config = loaded.config;
    this.instances = new ManagedInstances(this.instance);
    this.reportWarnings(loaded);
    this.configStore.on("change", (next) => void this.applyConfig(next));
    this.configStore.on("invalid", (err) => this.configInvalid(err));
    this.configStore.on("recovered", () => {
      if (this.configError !== undefined) this.logger.info("configuration valid again (its values are the ones in force)");
      this.configError = undefined;
      this.reportWarnings(this.configStore.current);
    });
    await ensureRundir(this.opts.rundir);
    await ensureLogdir(this.opts.logdir);
    this.control = await readControl(this.opts.rundir);
    this.warnIgnored([], this.control);
    this.controlNote = await controlNote(this.opts.rundir);
    if (this.controlNote) this.logger.warn(this.controlNote);
    this.controlWatcher = watch(this.opts.rundir, { depth: 0, ignoreInitial: true });
    this.controlWatcher.on("all", (_e, file) => {
      if (!file.endsWith(".sock")) void this.controlChanged();
    });
    this.controlWatcher.on("error", (err) => this.logger.warn(`watching ${this.opts.rundir}: ${(err as Error).message}; control files are re-read every main_sleep`));
    this.observer = this.opts.observer ?? new HostObserver({ clock: this.clock, logger: this.logger, startedAtMs: this.startedAtMs });
    this.metrics = new DaemonMetrics(this.hostname, this.logger);
    await this.metrics.configure(this.config);
    this.image.name = this.config.docker_image;
    this.refreshPolicy();
    await this.connectDocker();
    this.observer.start(this.config, () => this.pilotIds(), () => void this.lock.request({ relist: false, allowStart: false, cause: "sample" }));
    this.armMainTimer();
    void this.fleet.configure(this.config);
    this.logger.info({ version: VERSION, config: this.opts.configFile, instance: this.instance, pid: process.pid }, `plancton ${VERSION} started (instance ${this.instance})`);
    await this.lock.request({ relist: true, allowStart: true, cause: "start" });
  }

  /** Stops the loops; pilots keep running (they are adopted at the next start). */
  async stop(reason: ExitReason = "stopped"): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of [this.mainTimer, this.retryTimer, this.eventDebounce]) if (t) clearTimeout(t);
    this.events?.close();
    this.observer?.stop();
    await this.controlWatcher?.close();
    await this.configStore.close();
    await this.lock.settled();
    await this.fleet.stop();
    await this.metrics?.close();
    this.logger.info({ reason }, `plancton stopped (${reason})`);
    this.resolveDone(reason);
  }

  /** Runs one full reconciliation now (tests, SIGHUP). */
  tickNow(cause = "manual"): Promise<void> {
    return this.lock.request({ relist: true, allowStart: true, cause });
  }

  async reloadConfig(): Promise<void> {
    await this.configStore.reload();
  }

  historyLog(): HistoryLog {
    return this.history;
  }

  snapshot(): StatusSnapshot {
    const now = this.clock();
    const mode = this.docker.available ? this.lastDecision?.mode ?? "active" : "waiting-for-docker";
    return {
      pid: process.pid, version: VERSION, hostname: this.hostname, instance: this.instance, startedAtMs: this.startedAtMs, nowMs: now,
      configFile: this.opts.configFile, configAbsent: !this.configStore.current.exists, configWarnings: [...this.configWarnings, ...this.policyWarnings], configError: this.configError,
      mode, controlNote: this.controlNote, docker: this.docker, cpuPriority: this.observer.cpuPriority(), host: this.observer.hostInfo?.(),
      image: { name: this.image.name, usable: this.image.usable, lastPullAtMs: this.image.lastPullAtMs, lastPullError: this.image.lastPullError, pulling: this.image.pulling },
      maxDocks: this.policy.maxDocks,
      pilots: [...this.pilots.values()].map((p) => ({
        id: p.id.slice(0, 12), name: p.name, state: p.state, image: p.image,
        uptimeSeconds: Math.max(0, Math.round((now - p.createdAtMs) / 1000)),
        ttlLeftSeconds: this.config.max_ttl > 0 ? Math.max(0, Math.round(this.config.max_ttl - (now - p.createdAtMs) / 1000)) : null,
      })),
      observation: this.observation(),
      decision: { start: this.lastDecision?.start ?? 0, explain: this.lastDecision?.explain ?? [] },
      lastTick: this.lastTick,
      metrics: this.metrics.stats(), prometheus: this.metrics.prometheus(),
      remote: this.configStore.status(),
      retiredInstances: this.instances.retiredInstances(),
      configSources: this.configStore.current.sources,
      fleet: this.fleet.state(),
    };
  }

  // --- the reconciliation ---

  private async reconcile(req: ReconcileRequest): Promise<void> {
    if (this.stopping) return;
    const t0 = performance.now();
    const calls0 = this.engine.apiCalls;
    if (!this.docker.available && req.cause === "sample") return; // the retry timer owns reconnecting
    if (req.relist || !this.docker.available) {
      try {
        const { pilots: list, changed } = await this.instances.list(this.engine);
        this.pilots = new Map(list.map((p) => [p.id, p]));
        if (changed) this.watchEvents(); // the last pilot of an earlier instance has ended
        const wasDown = this.dockerUp();
        if (!this.adopted) await this.adopt();
        // A launch cut by the outage can leave a pilot created but never started (create
        // answered; start, and the cleanup, did not): remove it now, not 60 s later. No
        // launch of ours is in flight during a listing.
        else if (wasDown) await this.removeNeverStarted("created while Docker went away, never started");
      } catch (err) {
        this.dockerDown(err as Error);
        return;
      }
    }
    const now = this.clock();
    const obs = this.observation();
    // Harvest without the original's headroom only while the parent really is at idle weight.
    const policy = { ...this.policy, cpuPriority: this.observer.cpuPriority().mode };
    const decision = decide(obs, this.policyPilots(), policy, this.control, this.imageStatus(), this.state, now);
    this.state = decision.next;
    this.lastDecision = decision;
    for (const w of decision.warnings) this.logger.warn(w);
    if (decision.pull) void this.pull();
    const allowStart = req.allowStart && !this.stopping; // a stop that came during the listing starts nothing
    const acted = decision.start > 0 && allowStart ? true : decision.kill.length + decision.remove.length + decision.pause.length + decision.unpause.length > 0;
    if (!acted && !req.relist) return; // a sample with nothing to do: no bookkeeping
    const result = await act(decision, this.pilots, allowStart, {
      engine: this.engine, logger: this.logger, now: this.clock,
      specFor: () => pilotSpec(this.config, { name: pilotName(this.config.container_prefix), hostname: this.hostname, instance: this.instance, apparmor: this.observer.apparmor(), cgroupParent: this.observer.cgroupParent() }),
      launchConcurrency: this.config.launch_concurrency,
      onFinished: (rec) => this.finished(rec),
      keepLog: (id, name) => keepPilotLog(this.engine, id, name, this.opts.logdir),
      urgent: (fn) => this.observer.atFullWeight(fn),
      onEvent: (event, pilot, reason) => this.metrics.pilotEvent(event, pilot, reason),
      stopGraceSeconds: this.config.stop_grace, stopping: this.gracefulStops, afterStop: () => this.scheduleEventTick(),
    });
    for (const p of result.started) this.pilots.set(p.id, p); // known before the next listing
    if (acted) this.logger.debug({ explain: decision.explain, cause: req.cause }, "decision");
    this.lastTick = { atMs: now, durationMs: Math.round((performance.now() - t0) * 100) / 100, apiCalls: this.engine.apiCalls - calls0, cause: req.cause };
    this.metrics.tick({ observation: obs, mode: decision.mode, running: obs.running ?? 0, paused: obs.paused ?? 0, startedAtMs: this.startedAtMs, cpuPriority: this.observer.cpuPriority().mode, host: this.observer.hostInfo?.(), engine: this.docker.engine, fastExits: this.state.crashLoop?.fastExits ?? 0 }, result, this.lastTick);
    if (result.started.length > 0 || result.killed + result.removed + result.paused + result.resumed > 0) this.scheduleEventTick();
    // Not while a graceful stop is in flight: its pilot may already list as "removing".
    if (decision.exit && this.gracefulStops.size === 0) void this.exitAfter(this.control.forceStop ? "force-stop" : "drain-stop");
  }

  /** First listing: adopt the pilots of a previous run, and remove the ones it created but
   *  never started (it was killed mid-launch): no launch of ours is in flight yet. */
  private async adopt(): Promise<void> {
    this.adopted = true;
    const adopted = [...this.pilots.values()].filter((p) => p.state !== "created").length;
    if (adopted > 0) this.logger.info(`adopted ${adopted} pilot(s) of a previous run`);
    await this.removeNeverStarted("created by a previous run but never started");
  }

  private async removeNeverStarted(why: string): Promise<void> {
    for (const p of [...this.pilots.values()].filter((x) => x.state === "created")) {
      try {
        await this.engine.remove(p.id);
        this.finished({ id: p.id, name: p.name, image: p.image, startedAtMs: p.createdAtMs, endedAtMs: this.clock(), uptimeSeconds: 0, exitCode: null, reason: "never_started" });
        this.logger.info({ pilot: p.name }, `removed pilot ${p.name}: ${why}`);
      } catch (err) {
        this.logger.warn({ pilot: p.name, err: (err as Error).message }, `could not remove never-started pilot ${p.name}`);
      }
    }
  }

  private async exitAfter(reason: ExitReason): Promise<void> {
    this.logger.info(`${reason}: no pilot left, exiting`);
    await clearControl(this.opts.rundir, reason === "force-stop" ? "forceStop" : "drainStop");
    setImmediate(() => void this.stop(reason));
  }

  private finished(rec: PilotRecord): void {
    this.pilots.delete(rec.id);
    const { record, crashLoop, warning } = onPilotFinished(rec, this.state.crashLoop, this.opts.logdir);
    this.state = { ...this.state, crashLoop };
    if (warning) this.logger.warn({ pilot: rec.name, exitCode: rec.exitCode }, warning);
    void this.history.append(record);
    this.metrics.pilotFinished(record);
  }

  private policyPilots(): PolicyPilot[] {
    return [...this.pilots.values()].map((p) => ({ id: p.id, name: p.name, state: p.state, createdAtMs: p.createdAtMs }));
  }

  private pilotIds(): { running: string[]; paused: string[] } {
    const running: string[] = [];
    const paused: string[] = [];
    for (const p of this.pilots.values()) {
      if (p.state === "running") running.push(p.id);
      else if (p.state === "paused") paused.push(p.id);
    }
    return { running, paused };
  }

  private observation() {
    const now = new Date(this.clock());
    const ids = this.pilotIds();
    return {
      ...this.observer.latest(),
      running: ids.running.length, paused: ids.paused.length, pilots: ids.running.length + ids.paused.length,
      hour: now.getHours(), minute: now.getMinutes(), weekday: now.getDay(),
    };
  }

  private imageStatus() {
    return {
      image: this.image.usable ? this.image.name : undefined,
      lastPullAtMs: this.image.lastPullAtMs, lastPullFailedAtMs: this.image.lastPullFailedAtMs, pulling: this.image.pulling,
    };
  }

  // --- image ---

  private async pull(): Promise<void> {
    if (this.image.pulling || !this.docker.available) return;
    const name = this.config.docker_image;
    if (name !== this.image.name) this.image = { name, usable: false, pulling: false };
    this.image.pulling = true;
    const t0 = this.clock();
    try {
      await this.engine.pull(name);
      if (name !== this.config.docker_image) return; // the config moved on meanwhile
      this.image = { name, usable: true, lastPullAtMs: this.clock(), pulling: false };
      this.logger.info({ image: name, ms: this.clock() - t0 }, `pulled ${name}`);
      this.metrics.pull(name, true, this.clock() - t0);
    } catch (err) {
      const present = await this.engine.imagePresent(name).catch(() => false);
      if (name !== this.config.docker_image) return;
      const msg = (err as Error).message;
      if (msg !== this.image.lastPullError) {
        this.logger.warn({ image: name }, present ? `pull of ${name} failed, using the local copy: ${msg}` : `pull of ${name} failed and no local copy: no new pilot until it succeeds: ${msg}`);
      }
      this.image = { ...this.image, name, usable: present, lastPullFailedAtMs: this.clock(), lastPullError: msg, pulling: false };
      this.metrics.pull(name, false, this.clock() - t0, msg);
    }
    void this.lock.request({ relist: false, allowStart: true, cause: "pull" });
  }

  // --- Docker availability ---

  private async connectDocker(): Promise<void> {
    try {
      await this.engine.ping();
      const info = await this.engine.info();
      this.docker = { available: true, since: this.clock(), version: info.serverVersion, engine: info.engine ?? "docker" };
      this.logger.info({ engine: this.docker.engine, version: info.serverVersion, cgroupDriver: info.cgroupDriver, cgroupVersion: info.cgroupVersion }, `engine: ${engineLine(this.docker)}`);
      await this.observer.setEngine(info, this.config);
      this.refreshPolicy(); // max_docks over the sampled ncpus, ram and swap
      this.watchEvents();
    } catch (err) {
      this.dockerDown(err as Error);
    }
  }

  private watchEvents(): void {
    this.events?.close();
    this.events = this.engine.watchEvents(this.instances.labels(), (e) => {
      if (["start", "die", "oom", "destroy", "pause", "unpause"].includes(e.action)) this.scheduleEventTick();
    });
  }

  private scheduleEventTick(): void {
    if (this.eventDebounce || this.stopping) return;
    this.eventDebounce = setTimeout(() => {
      this.eventDebounce = undefined;
      void this.lock.request({ relist: true, allowStart: true, cause: "event" });
    }, 200);
  }

  /** Returns true when Docker was down until this call. */
  private dockerUp(): boolean {
    if (this.docker.available) return false;
    this.logger.info("Docker is back");
    this.dockerDownSaid = false;
    this.dockerBackoffMs = 1000;
    void this.connectDocker().then(() => this.lock.request({ relist: true, allowStart: true, cause: "docker-back" }));
    return true;
  }

  private dockerDown(err: Error): void {
    const wasUp = this.docker.available || this.docker.since === undefined;
    this.docker = { available: false, since: wasUp ? this.clock() : this.docker.since, lastError: err.message };
    // Said once an outage (until "Docker is back"), even when a connect that was in flight
    // marked the engine up for a moment. The error: in the message, or as `err` when the message sums it up.
    if (!this.dockerDownSaid) {
      this.dockerDownSaid = true;
      if (err instanceof EngineUnavailableError) this.logger.warn({ err: err.message }, "waiting for Docker: the engine does not answer");
      else this.logger.warn(`waiting for Docker: ${err.message}`);
    }
    if (this.retryTimer || this.stopping) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.lock.request({ relist: true, allowStart: true, cause: "docker-retry" });
    }, this.dockerBackoffMs);
    this.dockerBackoffMs = Math.min(this.dockerBackoffMs * 2, 30_000);
  }

  // --- config and control ---

  private async applyConfig(next: EffectiveConfig): Promise<void> {
    const prev = this.config;
    this.config = next.config;
    this.configError = undefined;
    this.logger.level = next.config.log_level;
    this.reportWarnings(next);
    this.refreshPolicy();
    if (prev.main_sleep !== next.config.main_sleep) this.armMainTimer();
    if (prev.docker_image !== next.config.docker_image) {
      // A new image is pulled at once: the old one's failures and backoff do not apply.
      this.image = { name: next.config.docker_image, usable: false, pulling: false };
      const { lastCountedPullFailureAtMs: _dropped, ...rest } = this.state;
      this.state = { ...rest, pullFailures: 0 };
    }
    // A new command or image may be the fix: try it at once, without the crash-loop backoff.
    if (prev.docker_image !== next.config.docker_image || JSON.stringify(prev.docker_cmd) !== JSON.stringify(next.config.docker_cmd)) this.state = { ...this.state, crashLoop: undefined };
    if (instanceOf(prev) !== this.instance) {
      // The previous instance's pilots stay managed until they end: never orphaned.
      this.instances.switchTo(this.instance);
      this.logger.info(`instance ${instanceOf(prev)} -> ${this.instance}: the ${instanceOf(prev)} pilots stay managed until they end`);
      this.watchEvents();
    }
    this.observer.configure(next.config);
    void this.fleet.configure(next.config);
    try {
      await this.metrics.configure(next.config);
    } catch (err) {
      // Never an unhandled rejection: the daemon runs on, with the metrics targets it had.
      this.logger.error(`metrics: the new targets could not be set up: ${(err as Error).message}; keeping the previous ones`);
    }
    this.logger.info({ file: next.file }, "configuration reloaded");
    await this.lock.request({ relist: true, allowStart: true, cause: "config" });
  }

  private configInvalid(err: ConfigError): void {
    this.configError = err.message;
    this.logger.error(`configuration rejected, the previous one stays in force:\n${err.message}`);
  }

  private reportWarnings(loaded: EffectiveConfig): void {
    this.configWarnings = loaded.warnings.map((w) => `${path.basename(loaded.file)}${w.line ? `:${w.line}` : ""}: ${w.key}: ${w.message}`);
    for (const w of this.configWarnings) this.logger.warn(w);
  }

  private refreshPolicy(): void {
    const { policy, warnings } = policyConfigOf(this.config, this.observer?.hostFacts() ?? { ncpus: os.cpus().length, ramBytes: os.totalmem(), swapBytes: 0 });
    this.policy = policy;
    // Logged when new (this runs at start, when Docker answers, and on every config change).
    for (const w of warnings) if (!this.policyWarnings.includes(w)) this.logger.warn(w);
    this.policyWarnings = warnings;
  }

  /** A control file the daemon does not obey (not ours, not a file) is said once. */
  private warnIgnored(before: string[], next: ControlState): void {
    for (const w of next.ignored ?? []) if (!before.includes(w)) this.logger.warn(w);
  }

  /** Re-reads the control files; reads are serialized so the last one wins. */
  private controlChanged(): Promise<void> {
    this.controlRead = this.controlRead.then(async () => {
      const next = await readControl(this.opts.rundir);
      if (JSON.stringify(next) === JSON.stringify(this.control)) return;
      this.warnIgnored(this.control.ignored ?? [], next);
      this.control = next;
      this.controlNote = await controlNote(this.opts.rundir);
      this.logger.info(next, `control files changed: ${this.controlNote ?? "none in force"}`);
      void this.lock.request({ relist: true, allowStart: true, cause: "control" });
    });
    return this.controlRead;
  }

  private armMainTimer(): void {
    if (this.mainTimer) clearInterval(this.mainTimer);
    // Control files are re-read here too, in case their watcher failed (inotify limits).
    this.mainTimer = setInterval(() => void this.controlChanged().then(() => this.lock.request({ relist: true, allowStart: true, cause: "main_sleep" })), this.config.main_sleep * 1000);
  }
}
