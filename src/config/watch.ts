// Keeps the config file's last good version in force: a file watcher applies valid
// edits within a second (plain writes, editors' write-and-rename, delete and recreate),
// and a periodic re-read (updateconfig) covers filesystems without inotify: its own timer,
// or the caller's (ownTimer: false; the daemon's TickTimers calls reload()).
import { EventEmitter } from "node:events";
import path from "node:path";
import { watch, type FSWatcher } from "chokidar";
import { ConfigError } from "./errors.js";
import { loadConfigFile, type LoadedConfig } from "./load.js";

export interface ConfigWatcherEvents {
  change: [next: LoadedConfig, previous: LoadedConfig];
  invalid: [error: ConfigError];
  /** The file is valid again after an error, with the text already in force. */
  recovered: [];
}

export class ConfigWatcher extends EventEmitter<ConfigWatcherEvents> {
  private watcher?: FSWatcher;
  private debounce?: NodeJS.Timeout;
  private periodic?: NodeJS.Timeout;
  private lastErrorText?: string;
  private reading: Promise<void> = Promise.resolve();
  private _current?: LoadedConfig;

  constructor(
    readonly file: string,
    private readonly opts: {
      debounceMs?: number;
      load?: (file: string) => Promise<LoadedConfig>;
      ownTimer?: boolean;
    } = {},
  ) {
    super();
  }

  get current(): LoadedConfig {
    if (!this._current) throw new Error("ConfigWatcher.start() has not run");
    return this._current;
  }

  /** Loads the file (a ConfigError here is fatal for the caller) and starts watching. */
  async start(): Promise<LoadedConfig> {
    this._current = await this.load(this.file);
    const dir = path.dirname(this.file);
    const name = path.basename(this.file);
    this.watcher = watch(dir, { depth: 0, ignoreInitial: true, ignorePermissionErrors: true });
    this.watcher.on("all", (_event, changed) => {
      if (path.basename(changed) === name && path.dirname(path.resolve(changed)) === path.resolve(dir))
        this.schedule();
    });
    this.watcher.on("error", () => this.schedule());
    await new Promise<void>((resolve) => this.watcher?.once("ready", () => resolve()));
    this.setRereadSeconds(this._current.config.updateconfig);
    return this._current;
  }

  /** Re-reads now (SIGHUP, or the periodic timer). Resolves when applied or rejected. */
  reload(): Promise<void> {
    this.reading = this.reading
      .then(() => this.readOnce())
      .catch(
        (err: Error) => void this.emit("invalid", new ConfigError(this.file, [{ message: err.message }])),
      );
    return this.reading;
  }

  setRereadSeconds(seconds: number): void {
    if (this.periodic) clearInterval(this.periodic);
    if (seconds > 0 && this.opts.ownTimer !== false) {
      this.periodic = setInterval(() => void this.reload(), seconds * 1000);
      this.periodic.unref();
    }
  }

  async close(): Promise<void> {
    if (this.debounce) clearTimeout(this.debounce);
    if (this.periodic) clearInterval(this.periodic);
    await this.watcher?.close();
    await this.reading;
  }

  private get load(): (file: string) => Promise<LoadedConfig> {
    return this.opts.load ?? loadConfigFile;
  }

  /** Reports an error once, however often the same broken file is read. */
  private reportInvalid(err: ConfigError): void {
    if (err.message === this.lastErrorText) return;
    this.lastErrorText = err.message;
    this.emit("invalid", err);
  }

  private schedule(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.reload(), this.opts.debounceMs ?? 100);
  }

  private async readOnce(): Promise<void> {
    let next: LoadedConfig;
    try {
      next = await this.load(this.file);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.reportInvalid(err);
      return;
    }
    const previous = this.current;
    if (!next.exists && previous.exists) {
      this.reportInvalid(
        new ConfigError(this.file, [
          { message: "the file is gone: the previous configuration stays in force until it is back" },
        ]),
      );
      return;
    }
    const recovered = this.lastErrorText !== undefined;
    this.lastErrorText = undefined;
    if (next.text === previous.text && next.exists === previous.exists) {
      if (recovered) this.emit("recovered");
      return;
    }
    this._current = next;
    if (next.config.updateconfig !== previous.config.updateconfig)
      this.setRereadSeconds(next.config.updateconfig);
    this.emit("change", next, previous);
  }
}
