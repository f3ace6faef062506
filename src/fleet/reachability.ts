// Whether etcd answers the agent, said once per outage: the first failure not followed by
// a success starts the clock, and "down" comes only after a renewal period plus one call's
// deadline (one member going away is not an outage).
import { cleanText } from "./safe-text.js";

export class Reachability {
  private downSince?: number;
  private failingSince?: number;
  private error?: string;

  constructor(
    private readonly clock: () => number,
    private readonly downAfterMs: number,
    private readonly log: { info(m: string): void; warn(m: string): void },
  ) {}

  get downSinceMs(): number | undefined {
    return this.downSince;
  }

  get lastError(): string | undefined {
    return this.error;
  }

  set lastError(e: string | undefined) {
    this.error = e === undefined ? undefined : cleanText(e, 300);
  }

  failed(err: Error): void {
    this.lastError = err.message;
    this.failingSince ??= this.clock();
  }

  /** Down once failing for long enough (checked at every poll). */
  check(): boolean {
    return this.failingSince !== undefined && this.clock() - this.failingSince >= this.downAfterMs;
  }

  /** Says it once per outage, with the time of its first failure. */
  down(): void {
    if (this.downSince !== undefined) return;
    this.downSince = this.failingSince ?? this.clock();
    this.log.warn(
      `fleet: etcd unreachable since ${new Date(this.downSince).toISOString()} (${this.error ?? "?"}); ` +
        "pilots and the last fleet command stay as they are",
    );
  }

  /** A success: true when it ends an outage (said once). */
  reachable(name: string): boolean {
    this.failingSince = undefined;
    if (this.downSince === undefined) return false;
    const s = Math.round((this.clock() - this.downSince) / 1000);
    this.log.info(`fleet: etcd reachable again after ${s} s; registered as ${name}`);
    this.downSince = undefined;
    this.error = undefined;
    return true;
  }
}
