// Finished pilots, kept as JSON lines in logdir with a size bound and rotation, for
// `planctonctl history`. Opened without following links (safe-open.ts), mode 0640.
import { lstat, mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { LOGDIR_MODE } from "../process/own-dirs.js";
import { openForWrite, readNoFollow } from "../process/safe-open.js";
import { diskFaults, type DiskFaults } from "../process/disk-faults.js";
import { appendWholeLine, type AppendableFile } from "./whole-line-append.js";

export interface PilotRecord {
  id: string;
  name: string;
  image: string;
  startedAtMs: number;
  endedAtMs: number;
  uptimeSeconds: number;
  exitCode: number | null;
  reason: string;
  oomKilled?: boolean;
  /** Killed or stopped: the signal that ended it (TERM: it stopped within stop_grace). */
  signal?: "TERM" | "KILL";
  graceful?: boolean;
}

export class HistoryLog {
  readonly file: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    logdir: string,
    private readonly maxBytes = 5 * 1024 * 1024,
    private readonly keep = 3,
    private readonly faults: DiskFaults = diskFaults,
    /** Opens the file for appending (tests: a file the disk refuses). */
    private readonly openFile: (file: string) => Promise<AppendableFile> = (f) => openForWrite(f, "append"),
  ) {
    this.file = path.join(logdir, "history.jsonl");
  }

  append(record: PilotRecord): Promise<void> {
    this.writing = this.writing.then(() => this.appendNow(record)).catch(() => undefined);
    return this.writing;
  }

  async read(sinceMs = 0): Promise<PilotRecord[]> {
    await this.writing;
    const out: PilotRecord[] = [];
    for (let i = this.keep; i >= 0; i--) {
      const text = await readNoFollow(i === 0 ? this.file : `${this.file}.${i}`);
      if (text === undefined) continue;
      for (const line of text.split("\n")) {
        if (!line) continue;
        try {
          const rec = JSON.parse(line) as PilotRecord;
          if (rec.endedAtMs >= sinceMs) out.push(rec);
        } catch {
          // a torn last line after a crash: skip it
        }
      }
    }
    return out;
  }

  /** A record the disk refuses is dropped and counted (never queued); other errors are thrown. */
  private async appendNow(record: PilotRecord): Promise<void> {
    try {
      await this.write(record);
      this.faults.succeeded("log");
    } catch (err) {
      if (!this.faults.failed("log", err)) throw err;
    }
  }

  private async write(record: PilotRecord): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true, mode: LOGDIR_MODE });
    const size = await lstat(this.file).then(
      (s) => s.size,
      () => 0,
    );
    if (size > this.maxBytes) await this.rotate();
    await appendWholeLine(() => this.openFile(this.file), JSON.stringify(record));
  }

  // rename and rm act on the names themselves: a link there is moved or removed, not followed.
  private async rotate(): Promise<void> {
    await rm(`${this.file}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--)
      await rename(`${this.file}.${i}`, `${this.file}.${i + 1}`).catch(() => undefined);
    await rename(this.file, `${this.file}.1`).catch(() => undefined);
  }
}
