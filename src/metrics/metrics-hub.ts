// All the daemon's metrics targets behind one write(): each point is turned into line
// protocol once (with the hostname tag) and queued on every sink; setTargets() applies
// a config change without losing what unchanged targets have buffered.
import { createHash } from "node:crypto";
import { createSink } from "./create-sink.js";
import { targetKey } from "./target-names.js";
import { toLine } from "./line-protocol.js";
import { metricsPoints } from "./series-points.js";
import type { SinkOptions } from "./sink-options.js";
import type { MetricPoint, MetricsSink, MetricsTarget, SinkStats } from "./metric-types.js";

export interface HubOptions extends SinkOptions {
  /** Bound of the final flush of a removed target. Default 5000 ms. */
  closeTimeoutMs?: number;
  /** Makes the sink of a target (tests inject fakes). Default createSink. */
  sinkFactory?: (target: MetricsTarget, opts: SinkOptions) => MetricsSink;
}

const MAX_REMEMBERED_ERRORS = 100;

/** Line-protocol lines by target id. */
export type UnsentLines = Record<string, string[]>;

/** A target's identity as stored on disk: its key hashed (a v2 key holds the token). */
export function targetId(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 32);
}

export class MetricsHub {
  private sinks = new Map<string, MetricsSink>();
  private readonly invalidSeen = new Set<string>();
  private onError: ((msg: string) => void) | undefined;
  private closed = false;
  private leftover: UnsentLines = {};

  constructor(readonly hostname: string) {}

  /**
   * Hot reload: sinks whose target is unchanged are kept (with their buffers and the
   * options they were made with); new targets get a sink made with `opts`; removed
   * ones get a bounded final flush and are closed. Resolves when those are closed.
   */
  async setTargets(targets: readonly MetricsTarget[], opts: HubOptions): Promise<void> {
    if (this.closed) return;
    const { closeTimeoutMs = 5000, sinkFactory = createSink, ...sinkOpts } = opts;
    this.onError = opts.onError;
    const next = new Map<string, MetricsSink>();
    for (const target of targets) {
      const key = targetKey(target);
      if (next.has(key)) continue;
      next.set(key, this.sinks.get(key) ?? sinkFactory(target, sinkOpts));
    }
    const removed = [...this.sinks].filter(([key]) => !next.has(key)).map(([, sink]) => sink);
    this.sinks = next;
    await Promise.all(removed.map((sink) => sink.close(closeTimeoutMs)));
  }

  /** Never blocks, never throws; a point that cannot be written is reported once and skipped. */
  write(points: readonly MetricPoint[]): void {
    if (this.sinks.size === 0 || points.length === 0) return;
    const tags = { hostname: this.hostname };
    const lines: string[] = [];
    for (const point of points) {
      try {
        lines.push(toLine(point, tags));
      } catch (e) {
        this.reportInvalid(`invalid point: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (lines.length === 0) return;
    for (const sink of this.sinks.values()) sink.writeLines(lines);
  }

  /** The sinks' own figures as `metrics` points, for the daemon to write with the rest. */
  selfReport(timeMs: number): MetricPoint[] {
    return metricsPoints(this.stats(), timeMs);
  }

  stats(): SinkStats[] {
    return [...this.sinks.values()].map((sink) => sink.stats());
  }

  /** Sends what every sink holds, bounded by timeoutMs. */
  async flush(timeoutMs: number): Promise<void> {
    await Promise.all([...this.sinks.values()].map((sink) => sink.flush(timeoutMs)));
  }

  /** Bounded final flush of every sink, in parallel; what they could not send is kept for unsent(). */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    const sinks = [...this.sinks];
    this.sinks = new Map();
    await Promise.all(sinks.map(([, sink]) => sink.close(timeoutMs)));
    for (const [key, sink] of sinks) {
      const lines = sink.unsent?.() ?? [];
      if (lines.length > 0) this.leftover[targetId(key)] = lines;
    }
  }

  /** After close(): the lines each target did not get, by target id (no credentials in it). */
  unsent(): UnsentLines {
    return this.leftover;
  }

  /** Queues lines a previous run could not send on the same targets; returns how many found theirs. */
  resend(saved: UnsentLines): { queued: number; unknown: number } {
    const r = { queued: 0, unknown: 0 };
    const byId = new Map([...this.sinks].map(([key, sink]) => [targetId(key), sink]));
    for (const [id, lines] of Object.entries(saved)) {
      const sink = byId.get(id);
      if (sink) sink.writeLines(lines);
      r[sink ? "queued" : "unknown"] += lines.length;
    }
    return r;
  }

  private reportInvalid(message: string): void {
    if (this.invalidSeen.has(message)) return;
    if (this.invalidSeen.size >= MAX_REMEMBERED_ERRORS) this.invalidSeen.clear();
    this.invalidSeen.add(message);
    try {
      this.onError?.(message);
    } catch {
      // a logging callback must not break write()
    }
  }
}
