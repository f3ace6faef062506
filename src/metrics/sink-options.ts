// The options of a buffered sink, and their check: a bad value is a programming error
// of the caller (the config schema bounds what users write), said by name.

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real timers, unref()'d: a metrics timer never keeps the process alive. */
export const realTimers: Timers = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export interface SinkOptions {
  /**
   * Points kept while the target is unreachable; the oldest go first: metrics_buffer_points (its default is
   * the schema's).
   */
  maxBufferedPoints: number;
  /** Points per request. Default 5000. */
  batchSize?: number;
  /** How long a point may wait before it is sent. Default 1000 ms. */
  flushIntervalMs?: number;
  /** First retry delay; doubles per failure up to maxRetryMs, with jitter. Defaults 1000 and 60 000 ms. */
  minRetryMs?: number;
  maxRetryMs?: number;
  /** Deadline of one HTTP request. Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** Tags added to every point given to write() (MetricsHub adds hostname itself). */
  defaultTags?: Record<string, string>;
  random?: () => number;
  clock?: () => number;
  timers?: Timers;
  /** Called once per distinct error message (not per retry); the set is forgotten after a success. */
  onError?: (msg: string) => void;
  /** Called when a target delivers again after errors. */
  onRecover?: (msg: string) => void;
}

export const SINK_DEFAULTS = {
  batchSize: 5000,
  flushIntervalMs: 1000,
  minRetryMs: 1000,
  maxRetryMs: 60_000,
  requestTimeoutMs: 10_000,
} as const;

/** The options with defaults applied, each checked. */
export function checkSinkOptions(opts: SinkOptions) {
  const maxBuffered = positiveInt(opts.maxBufferedPoints, "maxBufferedPoints");
  const batchSize = Math.min(
    positiveInt(opts.batchSize ?? SINK_DEFAULTS.batchSize, "batchSize"),
    maxBuffered,
  );
  const flushIntervalMs = nonNegative(
    opts.flushIntervalMs ?? SINK_DEFAULTS.flushIntervalMs,
    "flushIntervalMs",
  );
  const minRetryMs = nonNegative(opts.minRetryMs ?? SINK_DEFAULTS.minRetryMs, "minRetryMs");
  const maxRetryMs = Math.max(
    minRetryMs,
    nonNegative(opts.maxRetryMs ?? SINK_DEFAULTS.maxRetryMs, "maxRetryMs"),
  );
  const random = opts.random ?? Math.random;
  const clock = opts.clock ?? Date.now;
  const timers = opts.timers ?? realTimers;
  const defaultTags = opts.defaultTags;
  return {
    maxBuffered,
    batchSize,
    flushIntervalMs,
    minRetryMs,
    maxRetryMs,
    random,
    clock,
    timers,
    defaultTags,
  };
}

function positiveInt(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`metrics sink option ${name} must be a positive integer, got ${n}`);
  return n;
}

function nonNegative(n: number, name: string): number {
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`metrics sink option ${name} must be a number >= 0, got ${n}`);
  return n;
}
