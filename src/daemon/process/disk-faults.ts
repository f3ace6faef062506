// Writes that the disk refused (ENOSPC, EDQUOT, EIO, EROFS): the daemon never stops, waits
// or queues for them. Each writer (the log, history, pilot logs, the run dir's files)
// drops what it could not write and reports it here; status shows one line per area
// ("log disk full since T: N lines dropped"), cleared by the area's next good write.
// Only counts are kept: memory stays bounded however long the disk stays full.

export type DiskArea = "log" | "run dir";

const DISK_CODES = new Set(["ENOSPC", "EDQUOT", "EIO", "EROFS", "EFBIG"]);

/** True for an error of the disk itself (full, failing, read-only), not of the file or its rights. */
export function isDiskError(err: unknown): boolean {
  return DISK_CODES.has((err as NodeJS.ErrnoException)?.code ?? "");
}

interface Fault {
  sinceMs: number;
  code: string;
  dropped: number;
}

export interface Recovery {
  area: DiskArea;
  sinceMs: number;
  dropped: number;
}

export class DiskFaults {
  private readonly faults = new Map<DiskArea, Fault>();
  private readonly listeners: ((r: Recovery) => void)[] = [];

  constructor(private readonly clock: () => number = Date.now) {}

  /**
   * A write in `area` failed with `err`, `lines` lines lost: returns true when it is a
   * disk fault (counted; the caller goes on), false for any other error (the caller's own).
   */
  failed(area: DiskArea, err: unknown, lines = 1): boolean {
    if (!isDiskError(err)) return false;
    const code = (err as NodeJS.ErrnoException).code ?? "EIO";
    const f = this.faults.get(area) ?? { sinceMs: this.clock(), code, dropped: 0 };
    f.code = code;
    f.dropped += lines;
    this.faults.set(area, f);
    return true;
  }

  /** Lines dropped in an area already known to be failing (a full buffer). */
  dropped(area: DiskArea, lines: number): void {
    const f = this.faults.get(area);
    if (f) f.dropped += lines;
    else this.faults.set(area, { sinceMs: this.clock(), code: "ENOSPC", dropped: lines });
  }

  /** A write in `area` went through: the fault, if any, is over (listeners are told once). */
  succeeded(area: DiskArea): void {
    const f = this.faults.get(area);
    if (!f) return;
    this.faults.delete(area);
    for (const l of this.listeners) l({ area, sinceMs: f.sinceMs, dropped: f.dropped });
  }

  failing(area: DiskArea): boolean {
    return this.faults.has(area);
  }

  onRecovery(listener: (r: Recovery) => void): void {
    this.listeners.push(listener);
  }

  /** One line per failing area, for status. */
  notes(): string[] {
    return [...this.faults].map(([area, f]) => {
      const what = f.code === "ENOSPC" || f.code === "EDQUOT" ? "full" : `failing (${f.code})`;
      const unit = area === "log" ? "lines" : "writes";
      return `${area} disk ${what} since ${new Date(f.sinceMs).toISOString()}: ${f.dropped} ${unit} dropped`;
    });
  }
}

/** The daemon process's one account of its disk faults (every writer reports here). */
export const diskFaults = new DiskFaults();
