// A rolling mean over a fixed time span, kept in a fixed ring of buckets.
//
// Memory is the same for a one-minute and a one-day window (only the bucket
// width changes), add() is O(1), and mean() walks the ring once (O(buckets)).
// Each slot remembers which bucket number (floor(time / width)) it holds, so a
// slot left over from a previous lap, or from before a long gap, is recognised
// as stale and ignored or reset; no timer is needed to expire anything.

/** The rolling windows every windowed observation variable has, in seconds. */
export const WINDOWS = { "1m": 60, "5m": 300, "30m": 1800, "1h": 3600, "12h": 43200, "1d": 86400 } as const;

export type WindowName = keyof typeof WINDOWS;

/** Window names in increasing span order. */
export const WINDOW_NAMES = Object.keys(WINDOWS) as readonly WindowName[];

const NO_BUCKET = -Infinity;

export class RollingWindow {
  readonly spanSeconds: number;
  readonly buckets: number;
  readonly bucketMs: number;
  private readonly sums: Float64Array;
  private readonly counts: Float64Array;
  /** Bucket number each slot holds (NO_BUCKET when never used). */
  private readonly ids: Float64Array;
  /** Newest bucket number ever written; guards against a clock going backwards. */
  private newest = NO_BUCKET;

  constructor(spanSeconds: number, buckets = 60) {
    if (!(spanSeconds > 0) || !Number.isFinite(spanSeconds)) {
      throw new RangeError(`RollingWindow span must be a positive number of seconds, got ${spanSeconds}`);
    }
    if (!Number.isInteger(buckets) || buckets < 1) {
      throw new RangeError(`RollingWindow buckets must be a positive integer, got ${buckets}`);
    }
    this.spanSeconds = spanSeconds;
    this.buckets = buckets;
    this.bucketMs = (spanSeconds * 1000) / buckets;
    this.sums = new Float64Array(buckets);
    this.counts = new Float64Array(buckets);
    this.ids = new Float64Array(buckets).fill(NO_BUCKET);
  }

  /**
   * Adds a value; weight: the time it stands for (a sample's span), so the mean is a time
   * average however unevenly samples come (a give-back's extra samples are short ones).
   */
  add(value: number, nowMs: number, weight = 1): void {
    if (!Number.isFinite(value) || !(weight > 0)) return;
    let id = Math.floor(nowMs / this.bucketMs);
    if (id < this.newest) {
      // The clock went back. A small step joins the newest bucket; a step back
      // longer than the span makes every stored bucket "from the future": start over.
      if (this.newest - id >= this.buckets) this.clear();
      else id = this.newest;
    }
    const slot = id % this.buckets;
    if (this.ids[slot] !== id) {
      this.ids[slot] = id;
      this.sums[slot] = 0;
      this.counts[slot] = 0;
    }
    this.sums[slot]! += value * weight;
    this.counts[slot]! += weight;
    this.newest = id;
  }

  /** Weighted mean of the values added within the span ending at nowMs; undefined when there are none. */
  mean(nowMs: number): number | undefined {
    const current = Math.max(Math.floor(nowMs / this.bucketMs), this.newest);
    const oldest = current - this.buckets; // exclusive
    let sum = 0;
    let count = 0;
    for (let slot = 0; slot < this.buckets; slot++) {
      const id = this.ids[slot]!;
      if (id > oldest && id <= current) {
        sum += this.sums[slot]!;
        count += this.counts[slot]!;
      }
    }
    return count === 0 ? undefined : sum / count;
  }

  clear(): void {
    this.sums.fill(0);
    this.counts.fill(0);
    this.ids.fill(NO_BUCKET);
    this.newest = NO_BUCKET;
  }

  /** Bytes held by the ring's arrays (fixed at construction, independent of the span). */
  get memoryBytes(): number {
    return this.sums.byteLength + this.counts.byteLength + this.ids.byteLength;
  }
}
