// The idle CPU the host had, hour by hour, for `planctonctl report`'s harvest ratio (the
// pilots' CPU over it): each sample adds (1 - cpu_owner) x ncpus x the time since the
// previous one; a finished hour is appended to logdir/harvest.jsonl as one short line.
// A gap longer than MAX_GAP_MS (the daemon stopped, the machine slept) counts nothing.
import path from "node:path";
import { openForWrite } from "../process/safe-open.js";
import type { HostSample } from "../owners/host-sampling.js";

export const HARVEST_FILE = "harvest.jsonl";
const HOUR_MS = 3_600_000;
const MAX_GAP_MS = 60_000;

/** One line of harvest.jsonl. */
export interface HarvestHour {
  hourMs: number;
  idleCoreSeconds: number;
}

export class HarvestHours {
  private lastMs?: number;
  private hour?: HarvestHour;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly logdir: string) {}

  add(sample: HostSample | undefined): void {
    const owner = sample?.values.cpu_owner;
    const ncpus = sample?.values.ncpus;
    if (!sample || owner === undefined || ncpus === undefined || sample.atMs === this.lastMs) return;
    const dtMs = this.lastMs === undefined ? 0 : sample.atMs - this.lastMs;
    this.lastMs = sample.atMs;
    const hourMs = Math.floor(sample.atMs / HOUR_MS) * HOUR_MS;
    if (this.hour && this.hour.hourMs !== hourMs) this.flush();
    this.hour ??= { hourMs, idleCoreSeconds: 0 };
    if (dtMs > 0 && dtMs <= MAX_GAP_MS)
      this.hour.idleCoreSeconds += (1 - Math.min(1, Math.max(0, owner))) * ncpus * (dtMs / 1000);
  }

  /** Appends the hour in progress (at an hour's change, and when the daemon stops). */
  flush(): Promise<void> {
    const h = this.hour;
    this.hour = undefined;
    if (!h || h.idleCoreSeconds <= 0) return this.writing;
    const line = `${JSON.stringify({ hourMs: h.hourMs, idleCoreSeconds: Math.round(h.idleCoreSeconds) })}\n`;
    this.writing = this.writing
      .then(async () => {
        const fh = await openForWrite(path.join(this.logdir, HARVEST_FILE), "append");
        try {
          await fh.appendFile(line);
        } finally {
          await fh.close();
        }
      })
      .catch(() => undefined); // a full disk loses an hour of the ratio's denominator, nothing else
    return this.writing;
  }
}
