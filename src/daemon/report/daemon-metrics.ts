// What the daemon reports to its metrics targets, built from its own state with the
// series builders of metrics/. Writing never waits on the network.
import { compiledOf } from "../../config/compile.js";
import { isLoopback, parseListenAddress } from "../../config/listen-address.js";
import type { Config } from "../../config/schema.js";
import type { HostInfo, PilotUsageLedger } from "../../host/index.js";
import {
  MetricsHub,
  accountingPoints,
  containerPoint,
  daemonPoint,
  hostPoint,
  imagePullPoint,
  measurementPoint,
  pilotEventPoint,
  startPrometheusExporter,
  tickPoint,
  type MetricPoint,
  type MetricsTarget,
  type PrometheusExporter,
  type SinkStats,
} from "../../metrics/index.js";
import type { ActResult } from "./act-result.js";
import type { PilotRecord } from "./history.js";
import type { Logger } from "../process/logger.js";
import { keepUnsent, resendUnsent } from "./metrics-spool.js";
import type { StatusSnapshot } from "./status.js";
import type { DaemonMode } from "../../vocabulary.js";

/** What one tick reports about the daemon, taken from the decision it just made. */
export interface TickState {
  observation: StatusSnapshot["observation"];
  mode: DaemonMode;
  running: number;
  paused: number;
  startedAtMs: number;
  cpuPriority: "idle" | "normal";
  host?: HostInfo;
  /** Consecutive pilots that exited at once (crash-loop backoff while > 0). */
  fastExits: number;
  engine?: string;
}

export function targetsOf(config: Config): MetricsTarget[] {
  const v1: MetricsTarget[] = [...compiledOf(config).influxdbTargets];
  const v2 = config.influxdb.map((t): MetricsTarget => ({
    kind: "v2",
    url: t.url,
    token: t.token,
    org: t.org,
    bucket: t.bucket,
    insecureTls: t.insecure_tls,
  }));
  return [...v1, ...v2];
}

const STATUS_OF_MODE: Partial<Record<DaemonMode, string>> = {
  draining: "draining",
  "drain-stop": "draining",
  "force-stop": "force_stopping",
  "waiting-for-docker": "waiting",
  "no-image": "waiting",
  "crash-loop": "crash_loop",
};

/** The Prometheus endpoint as status shows it. */
export interface PrometheusStatus {
  listen: string;
  url?: string;
  error?: string;
}

export class DaemonMetrics {
  private readonly hub: MetricsHub;
  private readonly clock: () => number;
  private prom?: PrometheusExporter;
  private promStatus?: PrometheusStatus;
  private listening: Promise<void> = Promise.resolve();

  constructor(
    private readonly hostname: string,
    private readonly logger: Logger,
    clock: () => number = Date.now,
  ) {
    this.hub = new MetricsHub(hostname);
    this.clock = clock;
  }

  async configure(config: Config): Promise<void> {
    await this.hub.setTargets(targetsOf(config), {
      maxBufferedPoints: config.metrics_buffer_points,
      onError: (msg) => this.logger.warn(`metrics: ${msg} (points are kept and retried)`),
    });
    // Serialized: two quick reloads must not leave two servers listening.
    const listen = config.metrics_listen === null ? undefined : String(config.metrics_listen);
    this.listening = this.listening.then(() => this.listen(listen));
    await this.listening;
  }

  /** (Re)starts the Prometheus endpoint when metrics_listen changed; a failure is logged, never thrown. */
  private async listen(listen: string | undefined): Promise<void> {
    if (listen === this.promStatus?.listen) return;
    await this.prom?.close();
    this.prom = undefined;
    this.promStatus = listen === undefined ? undefined : { listen };
    const addr = listen === undefined ? undefined : parseListenAddress(listen);
    if (!addr || !this.promStatus) return;
    try {
      this.prom = await startPrometheusExporter({ ...addr, labels: { hostname: this.hostname } });
      this.promStatus.url = this.prom.url;
      if (isLoopback(addr.host)) this.logger.info(`Prometheus metrics on ${this.prom.url}`);
      else
        this.logger.warn(
          `Prometheus metrics on ${this.prom.url}: reachable from other machines (metrics_listen ` +
            `is not a loopback address; a firewall should limit it to the scraper)`,
        );
    } catch (err) {
      this.promStatus.error = (err as Error).message;
      this.logger.error(
        `metrics_listen ${listen}: cannot serve Prometheus metrics: ${(err as Error).message}; ` +
          `change metrics_listen (a free port) or set it to null`,
      );
    }
  }

  private write(points: MetricPoint[]): void {
    this.hub.write(points);
    this.prom?.observe(points);
  }

  prometheus(): PrometheusStatus | undefined {
    return this.promStatus && { ...this.promStatus };
  }

  tick(s: TickState, r: ActResult, t: NonNullable<StatusSnapshot["lastTick"]>): void {
    const o = s.observation;
    const now = this.clock();
    this.write([
      daemonPoint(
        {
          uptimeSeconds: (now - s.startedAtMs) / 1000,
          runningPilots: s.running,
          pausedPilots: s.paused,
          status: STATUS_OF_MODE[s.mode] ?? s.mode,
          cpuPriority: s.cpuPriority,
          fastExits: s.fastExits,
          engine: s.engine,
          host: s.host && {
            cpuModel: s.host.cpuModel,
            os: s.host.os,
            kernel: s.host.kernel,
            arch: s.host.arch,
            dockerFs: s.host.dockerRoot?.fsType,
            cpuCores: s.host.cpuCores,
            memTotalBytes: s.host.memTotalBytes,
          },
        },
        now,
      ),
      measurementPoint({ cpuBusy: o.cpu_total ?? 0 }, now),
      hostPoint(
        {
          cpuTotal: o.cpu_total ?? 0,
          cpuOwner: o.cpu_owner ?? 0,
          cpuPilots: o.cpu_pilots ?? 0,
          cpuPlancton: o.cpu_plancton,
          cpuTotal5m: o.cpu_total_5m,
          cpuOwner5m: o.cpu_owner_5m,
          cpuPilots5m: o.cpu_pilots_5m,
          cpuTotal1h: o.cpu_total_1h,
          cpuOwner1h: o.cpu_owner_1h,
          cpuPilots1h: o.cpu_pilots_1h,
          load1: o.load1 ?? 0,
          load5: o.load5 ?? 0,
          load15: o.load15 ?? 0,
          memAvailableBytes: o.mem_available_bytes ?? 0,
          swapUsedBytes: o.swap_used_bytes ?? 0,
          diskFreeBytes: o.disk_free_bytes,
          diskFreeRatio: o.disk_free_ratio,
        },
        now,
      ),
      tickPoint(
        {
          durationMs: t.durationMs,
          dockerApiCalls: t.apiCalls,
          started: r.started.length,
          killed: r.killed,
          paused: r.paused,
          resumed: r.resumed,
        },
        now,
      ),
      ...this.hub.selfReport(now),
    ]);
  }

  pilotEvent(
    event: "started" | "paused" | "resumed",
    pilot: { name: string; createdAtMs?: number },
    reason: string,
  ): void {
    const now = this.clock();
    const uptime =
      event === "started" || pilot.createdAtMs === undefined ? 0 : (now - pilot.createdAtMs) / 1000;
    this.write([
      pilotEventPoint(
        { event, name: pilot.name, uptimeSeconds: uptime, reason: event === "started" ? undefined : reason },
        now,
      ),
    ]);
  }

  pilotFinished(rec: PilotRecord): void {
    const killed = rec.reason !== "exited" && rec.reason !== "fast_exit" && rec.reason !== "never_started";
    const exitCode = rec.exitCode ?? undefined;
    this.write([
      containerPoint(
        {
          name: rec.name,
          started: rec.reason !== "never_started",
          killed,
          uptimeSeconds: rec.uptimeSeconds,
          reason: rec.reason,
          exitCode,
        },
        rec.endedAtMs,
      ),
      pilotEventPoint(
        {
          event: killed ? "killed" : "exited",
          name: rec.name,
          uptimeSeconds: rec.uptimeSeconds,
          reason: rec.reason,
          exitCode,
        },
        rec.endedAtMs,
      ),
    ]);
  }

  /** The pilots' CPU totals (by image) and the lost ones (by cause), after each host sample. */
  accounting(usage: PilotUsageLedger): void {
    this.write(accountingPoints(usage.cpuSecondsByImage(), usage.lostCpuSecondsByCause(), this.clock()));
  }

  pull(image: string, ok: boolean, durationMs: number, error?: string): void {
    this.write([imagePullPoint({ image, ok, durationMs, error }, this.clock())]);
  }

  stats(): SinkStats[] {
    return this.hub.stats();
  }

  /** Stops; with `rundir`, what the targets did not get is kept there for the next start. */
  async close(rundir?: string): Promise<void> {
    await this.listening;
    await Promise.all([this.hub.close(5000), this.prom?.close()]);
    this.prom = undefined;
    if (rundir !== undefined) await keepUnsent(rundir, this.hub.unsent(), this.logger);
  }

  /** Queues what a previous run kept in `rundir` (after configure(): the targets exist). */
  async resendKept(rundir: string): Promise<void> {
    await resendUnsent(rundir, this.hub, this.logger);
  }
}
