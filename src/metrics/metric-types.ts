// The vocabulary of the metrics sinks: points, targets, statistics, the sink itself.

/** One observation, before the `hostname` tag is added and it is turned into line protocol. */
export interface MetricPoint {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, number | boolean | string>;
  /** Unix epoch milliseconds; kept as is through outages. */
  timeMs: number;
}

/**
 * Where points go.
 * - v1: the original `influxdb_url` ("http://host:8086#database"), written to `/write?db=`;
 *   the database is created when a write says it is missing.
 * - v2: the v2 write API (`/api/v2/write`) of InfluxDB 2.x/3.x, 1.8+ (bucket "db/rp",
 *   token "user:password") and compatible servers such as VictoriaMetrics.
 */
export type MetricsTarget =
  | { kind: "v1"; url: string; database: string; insecureTls: boolean }
  | { kind: "v2"; url: string; token: string; org: string; bucket: string; insecureTls?: boolean };

export interface SinkStats {
  /** The target's URL without credentials, plus the database or bucket. */
  target: string;
  /** Points waiting (including a batch in flight or waiting for its retry). */
  buffered: number;
  /** Points the server accepted. */
  delivered: number;
  /**
   * Points lost: buffer overflow (oldest first), batches refused with a 4xx, and what close() could not send.
   */
  dropped: number;
  /**
   * The part of `dropped` refused as bad data: by the server (a 4xx other than 401/403/404/408/429) or as an
   * invalid point. Always set by createSink.
   */
  rejected?: number;
  /** Failed attempts that will be, or were, tried again. */
  retries: number;
  lastError?: string;
  lastErrorAtMs?: number;
  lastSuccessAtMs?: number;
}

export interface MetricsSink {
  /** Queues points; never blocks, never throws, does no I/O. */
  write(points: readonly MetricPoint[]): void;
  /**
   * Queues lines already in line protocol (ms precision); used by MetricsHub to convert once for all sinks.
   */
  writeLines(lines: readonly string[]): void;
  /**
   * Sends what is buffered now (skipping the flush interval and a pending backoff delay once);
   * resolves when the buffer is empty or after timeoutMs, never rejects. For stop and reload,
   * not for every loop: calling it often would defeat the backoff.
   */
  flush(timeoutMs: number): Promise<void>;
  /** A bounded final flush, then stops; later writes are ignored. Never rejects. */
  close(timeoutMs: number): Promise<void>;
  /** After close(): the lines it could not send, oldest first (the daemon keeps them for its next start). */
  unsent?(): string[];
  stats(): SinkStats;
}
