// Every timer of the daemon's loop in one place: the main_sleep period, and one-shot
// follow-ups a tick asks for (controller-runtime's "requeue after"): a pilot event, an
// engine reconnect. A follow-up already pending is kept, not pushed back.
export class TickTimers {
  private main?: NodeJS.Timeout;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private closed = false;

  /** Runs fn every ms (replacing the previous period). */
  every(ms: number, fn: () => void): void {
    if (this.main) clearInterval(this.main);
    if (!this.closed) this.main = setInterval(fn, ms);
  }

  /** Runs fn once after delayMs() unless a follow-up of this key is pending; delayMs is only asked then. */
  after(key: string, delayMs: () => number, fn: () => void): void {
    if (this.closed || this.pending.has(key)) return;
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        fn();
      }, delayMs()),
    );
  }

  close(): void {
    this.closed = true;
    if (this.main) clearInterval(this.main);
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }
}
