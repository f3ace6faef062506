// Seconds added up by the hour over the last day, in a ring of 24 buckets: the pilots'
// CPU seconds of the last 24 h (to the hour) without keeping any reading.
const HOUR_MS = 3_600_000;
const HOURS = 24;

export class HourlyTotals {
  private readonly seconds = new Float64Array(HOURS);
  private readonly hourOf = new Float64Array(HOURS).fill(-1);

  add(atMs: number, seconds: number): void {
    const hour = Math.floor(atMs / HOUR_MS);
    const i = hour % HOURS;
    if (this.hourOf[i] !== hour) {
      this.hourOf[i] = hour;
      this.seconds[i] = 0;
    }
    this.seconds[i]! += seconds;
  }

  /** Seconds added in the current hour and the 23 before it. */
  lastDay(nowMs: number): number {
    const now = Math.floor(nowMs / HOUR_MS);
    let sum = 0;
    for (let i = 0; i < HOURS; i++)
      if (this.hourOf[i]! > now - HOURS && this.hourOf[i]! <= now) sum += this.seconds[i]!;
    return sum;
  }
}
