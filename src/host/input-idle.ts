// Seconds since the input interrupt count last moved. The count is read every sample and,
// when an expression names an input variable, every few hundred ms (input-watch.ts); any
// change is input at this machine. Before the first change the time counts from the first
// read: the daemon does not know what happened before it started, so it assumes the person
// was just there (the side of caution for an owner's policy).
export class InputIdle {
  private lastCount: number | undefined;
  private lastChangeMs = 0;

  /** True when the count moved since the previous call (or this is the first). */
  observe(count: number, nowMs: number): boolean {
    const changed = this.lastCount !== count;
    if (changed) {
      this.lastCount = count;
      this.lastChangeMs = nowMs;
    }
    return changed;
  }

  idleSeconds(nowMs: number): number {
    return Math.max(0, (nowMs - this.lastChangeMs) / 1000);
  }
}
