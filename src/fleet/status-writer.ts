// The host's status key: written on change and at most every few seconds (status-record.ts),
// a failed write retried after a backoff rather than at every poll (an overloaded etcd
// would get every host's put every second), and the write after a fleet command put off
// to a moment of its own (pacing.ts).
import type { Etcd3 } from "etcd3";
import { backoffDelay, spreadDelay } from "./pacing.js";
import { encodeStatus, shouldWrite, significant, type WritePacing } from "./status-record.js";
import type { FleetCommand, HostReport, HostStatus } from "./fleet-types.js";

export interface StatusWriterOptions {
  name: string;
  key: string;
  pacing: WritePacing;
  clock: () => number;
  random: () => number;
}

export class StatusWriter {
  private lastWrite?: { key: string; atMs: number };
  private failures = 0;
  private retryAtMs = 0;
  writes = 0;

  constructor(
    private readonly client: Etcd3,
    private readonly opts: StatusWriterOptions,
  ) {}

  /** Writes when due (or forced); resolves "written", "skipped" or the error. */
  async write(
    report: HostReport,
    applied: FleetCommand | undefined,
    force: boolean,
  ): Promise<"written" | "skipped" | Error> {
    const now = this.opts.clock();
    const status: HostStatus = {
      name: this.opts.name,
      ...report,
      atMs: now,
      ...(applied ? { command: { action: applied.action, revision: applied.revision } } : {}),
    };
    if (!force && (now < this.retryAtMs || !shouldWrite(this.lastWrite, status, now, this.opts.pacing)))
      return "skipped";
    try {
      await this.client.put(this.opts.key).value(encodeStatus(status));
      this.writes++;
      this.lastWrite = { key: significant(status), atMs: now };
      this.failures = 0;
      return "written";
    } catch (err) {
      this.failures++;
      const { minWriteMs, refreshMs } = this.opts.pacing;
      this.retryAtMs =
        this.opts.clock() +
        backoffDelay(this.failures, { baseMs: minWriteMs, capMs: refreshMs }, this.opts.random);
      return err as Error;
    }
  }

  /** After a fleet command: the write that shows it comes within windowMs, not at once. */
  putOff(windowMs: number): void {
    this.retryAtMs = Math.max(this.retryAtMs, this.opts.clock() + spreadDelay(windowMs, this.opts.random));
  }

  /** etcd is back: what could not be written goes at the next poll. */
  retryNow(): void {
    this.retryAtMs = 0;
    this.failures = 0;
  }
}
