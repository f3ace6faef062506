// Every timer of the daemon's loop in one place. Periods: main_sleep (a full tick, the
// control files re-read), sample_interval (a host sample, then a sample tick), and the
// configuration's re-reads (updateconfig, config_url_every, config_git.pull_every).
// One-shot follow-ups a tick asks for (controller-runtime's RequeueAfter): a pilot event,
// an engine reconnect, the end of a graceful stop. A follow-up already pending is kept,
// not pushed back.
export class TickTimers {
  private readonly periods = new Map<string, { ms: number; timer: NodeJS.Timeout }>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private closed = false;

  /** Runs fn every ms under this key, replacing the key's previous period (same ms: kept as is);
   *  ms <= 0 stops it. */
  every(key: string, ms: number, fn: () => void): void {
    const current = this.periods.get(key);
    if (current?.ms === ms || this.closed) return;
    if (current) clearInterval(current.timer);
    this.periods.delete(key);
    if (ms > 0) this.periods.set(key, { ms, timer: setInterval(fn, ms) });
  }

  /** Runs fn once after ms unless a follow-up of this key is pending. */
  after(key: string, ms: number, fn: () => void): void {
    if (this.closed || this.pending.has(key)) return;
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        fn();
      }, ms),
    );
  }

  /** The keys of the periods running (status, tests). */
  running(): string[] {
    return [...this.periods.keys()];
  }

  close(): void {
    this.closed = true;
    for (const p of this.periods.values()) clearInterval(p.timer);
    for (const t of this.pending.values()) clearTimeout(t);
    this.periods.clear();
    this.pending.clear();
  }
}
