// history_keep: rotated history files (history.jsonl.N) whose last record is older than
// the retention go, at most once an hour; the live file never does. With the rotations
// HISTORY_FILES allows, a year of pilots neither fills the disk nor slows `report` (it
// skips files last written before its period).
import { lstat, readdir, rm } from "node:fs/promises";
import path from "node:path";

/** Rotated files kept at most (5 MB each): the size bound, whatever history_keep says. */
export const HISTORY_FILES = 100;
const EVERY_MS = 3_600_000;
const ROTATED = /^history\.jsonl\.\d{1,4}$/;

/** Removes rotated history files last written more than keepSeconds ago; returns their names. */
export async function pruneHistory(logdir: string, keepSeconds: number, nowMs: number): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(logdir).catch(() => [] as string[])) {
    if (!ROTATED.test(name)) continue;
    const file = path.join(logdir, name);
    // lstat and rm act on the name itself: a link there is removed, never followed.
    const st = await lstat(file).catch(() => undefined);
    if (!st || nowMs - st.mtimeMs <= keepSeconds * 1000) continue;
    await rm(file, { force: true });
    removed.push(name);
  }
  return removed;
}

/** Runs pruneHistory at most once an hour (called on the daemon's samples). */
export class HistoryRetention {
  private lastMs = -Infinity;
  private running = false;

  constructor(
    private readonly logdir: string,
    private readonly onRemoved: (names: string[]) => void,
  ) {}

  maybePrune(nowMs: number, keepSeconds: number): void {
    if (this.running || nowMs - this.lastMs < EVERY_MS) return;
    this.lastMs = nowMs;
    this.running = true;
    void pruneHistory(this.logdir, keepSeconds, nowMs)
      .then((names) => names.length > 0 && this.onRemoved(names))
      .catch(() => undefined)
      .finally(() => (this.running = false));
  }
}
