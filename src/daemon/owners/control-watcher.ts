// The control files in force (drain, stop, force-stop): read at start, on every change
// in rundir (chokidar), and at every main_sleep in case the watcher failed (inotify
// limits). Reads are serialized. A read that differs from the state in force hands
// onChange the commit of it, which the daemon runs through the tick queue: the state a
// tick reads changes only between ticks.
import { watch, type FSWatcher } from "chokidar";
import { clearControl, readControl, type ControlName, type ControlState } from "./control-files.js";
import { controlNote } from "../report/control-note.js";
import type { Logger } from "../process/logger.js";

export class ControlWatcher {
  private control: ControlState = { draining: false, drainStop: false, forceStop: false };
  private lastRead: ControlState = this.control;
  private noteText?: string;
  private watcher?: FSWatcher;
  private reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly rundir: string,
    private readonly logger: Logger,
    private readonly onChange: (commit: () => Promise<void>) => void,
  ) {}

  get state(): ControlState {
    return this.control;
  }

  /** The control file in force, with since when and how to end it. */
  get note(): string | undefined {
    return this.noteText;
  }

  async start(): Promise<void> {
    this.control = await readControl(this.rundir);
    this.lastRead = this.control;
    this.warnIgnored([], this.control);
    this.noteText = await controlNote(this.rundir);
    if (this.noteText) this.logger.warn(this.noteText);
    this.watcher = watch(this.rundir, { depth: 0, ignoreInitial: true });
    this.watcher.on("all", (_e, file) => {
      if (!file.endsWith(".sock")) void this.reread();
    });
    this.watcher.on("error", (err) =>
      this.logger.warn(
        `watching ${this.rundir}: ${(err as Error).message}; control files are re-read every main_sleep`,
      ),
    );
  }

  reread(): Promise<void> {
    this.reading = this.reading.then(async () => {
      const next = await readControl(this.rundir);
      // Against the last read, not the state in force: commits run in the order read.
      if (same(next, this.lastRead)) return;
      this.lastRead = next;
      this.onChange(() => this.commit(next));
    });
    return this.reading;
  }

  /** Puts a read in force (run by the tick queue; a commit of the state in force is a no-op). */
  private async commit(next: ControlState): Promise<void> {
    if (same(next, this.control)) return;
    this.warnIgnored(this.control.ignored ?? [], next);
    this.control = next;
    this.noteText = await controlNote(this.rundir);
    this.logger.info(next, `control files changed: ${this.noteText ?? "none in force"}`);
  }

  /** The daemon exits by drain-stop or force-stop: the file has done its job. */
  clear(name: ControlName): Promise<void> {
    return clearControl(this.rundir, name);
  }

  async close(): Promise<void> {
    await this.watcher?.close();
  }

  /** A control file the daemon does not obey (not ours, not a file) is said once. */
  private warnIgnored(before: string[], next: ControlState): void {
    for (const w of next.ignored ?? []) if (!before.includes(w)) this.logger.warn(w);
  }
}

function same(a: ControlState, b: ControlState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
