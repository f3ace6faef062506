// The configuration's sources: the local config.yaml (watched), layered over the remote
// copy from config_url (when set), with a git pull of the confdir (config_git). It keeps
// the last good effective configuration they give (`latest`) and says when it changes;
// what is in force is ConfigInForce's, applied through the tick queue. Its periodic
// re-reads are armed by TickTimers (rereads()), not here.
import { EventEmitter } from "node:events";
import path from "node:path";
import { ConfigError } from "../../config/errors.js";
import type { LoadedConfig } from "../../config/load.js";
import {
  assertRemoteAllowed,
  GitPuller,
  layerConfig,
  RemoteConfigSource,
  type ConfigSource,
} from "../../config/remote/index.js";
import { ConfigWatcher } from "../../config/watch.js";
import type { Logger } from "../process/logger.js";

export interface EffectiveConfig extends LoadedConfig {
  sources: Record<string, ConfigSource>;
}

/** The local file alone: each key's value is the file's or the default. */
export function localOnly(loaded: LoadedConfig): EffectiveConfig {
  return {
    ...loaded,
    sources: Object.fromEntries(
      Object.keys(loaded.config).map((k) => [k, k in loaded.raw ? "local" : "default"]),
    ),
  };
}

export interface ConfigStoreEvents {
  change: [next: EffectiveConfig, previous: EffectiveConfig];
  invalid: [error: ConfigError];
  recovered: [];
}

export class ConfigStore extends EventEmitter<ConfigStoreEvents> {
  private readonly local: ConfigWatcher;
  private remote?: RemoteConfigSource;
  private git?: GitPuller;
  private _latest!: EffectiveConfig;

  constructor(
    readonly file: string,
    private readonly logger: Logger,
  ) {
    super();
    this.local = new ConfigWatcher(file, { ownTimer: false });
  }

  /** The last good effective configuration the sources gave. */
  get latest(): EffectiveConfig {
    return this._latest;
  }

  /** The periodic re-reads, for TickTimers: updateconfig, config_url_every, config_git.pull_every
   *  (0: none). The keys that set them are local only. */
  rereads(): { key: string; seconds: number; run: () => Promise<unknown> }[] {
    const c = this.local.current.config;
    return [
      { key: "config-file", seconds: c.updateconfig, run: () => this.local.reload() },
      {
        key: "config-url",
        seconds: c.config_url ? c.config_url_every : 0,
        run: async () => this.remote?.refresh(),
      },
      {
        key: "config-git",
        seconds: c.config_git?.pull_every ?? 0,
        run: async () => this.git?.pullNow(),
      },
    ];
  }

  /** Loads the local file (a ConfigError here is fatal), then the remote layer if any. */
  async start(): Promise<EffectiveConfig> {
    const local = await this.local.start();
    this._latest = localOnly(local);
    this.local.on("change", () => this.relayer("local"));
    this.local.on("invalid", (err) => this.emit("invalid", err));
    this.local.on("recovered", () => this.emit("recovered"));
    await this.syncSources();
    this.relayer("start", true);
    return this._latest;
  }

  /** SIGHUP: re-read the file, refresh the URL, pull the git checkout. */
  async reload(): Promise<void> {
    await Promise.all([this.local.reload(), this.remote?.refresh(), this.git?.pullNow()]);
  }

  status(): Record<string, unknown> | undefined {
    if (!this.remote && !this.git) return undefined;
    return {
      ...(this.remote ? { url: this.remote.status() } : {}),
      ...(this.git ? { git: this.git.status() } : {}),
    };
  }

  async close(): Promise<void> {
    await this.local.close();
    await this.remote?.close();
    await this.git?.close();
  }

  /** Starts, stops or retunes the remote sources to match the local config's keys. */
  private async syncSources(): Promise<void> {
    const c = this.local.current.config;
    if (this.remote && this.remote.url !== c.config_url) {
      await this.remote.close();
      this.remote = undefined;
    }
    if (c.config_url && !this.remote) {
      const url = c.config_url;
      this.remote = new RemoteConfigSource({
        url,
        everySeconds: 0, // TickTimers re-reads it (rereads())
        allowInsecureHttp: c.allow_insecure_http,
        cacheFile: path.join(path.dirname(this.file), ".remote-config.yaml"),
        accept: ({ raw, text }) => {
          assertRemoteAllowed(raw, this.local.current.raw, url, text);
          layerConfig(
            {
              remote: raw,
              local: this.local.current.raw,
              remoteName: url,
              remoteText: text,
              localText: this.local.current.text,
            },
            this.file,
          );
        },
      });
      this.remote.on("update", () => this.relayer("remote"));
      this.remote.on("error", (err) =>
        this.logger.error(`remote config: ${err.message}; the last good configuration stays in force`),
      );
      this.remote.on("recovered", () => this.logger.info(`remote config ${url} reachable again`));
      await this.remote.start();
    }
    if (!c.config_git) {
      await this.git?.close();
      this.git = undefined;
    } else if (!this.git) {
      this.git = new GitPuller({ confdir: path.dirname(this.file), everySeconds: 0 }); // TickTimers pulls
      this.git.on("error", (err) =>
        this.logger.error(`config git pull: ${err.message}; the local tree is left alone`),
      );
      this.git.on("pulled", (r) => r.changed && this.logger.info(`config git pull: ${r.message}`));
      this.git.start();
    }
  }

  private relayer(cause: "start" | "local" | "remote", quiet = false): void {
    const local = this.local.current;
    let remoteRaw = this.remote?.current().raw;
    if (remoteRaw && this.remote) {
      try {
        assertRemoteAllowed(remoteRaw, local.raw, this.remote.url, this.remote.current().text);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        this.logger.error(
          `remote config no longer allowed by the local file, using the local file alone:\n${err.message}`,
        );
        remoteRaw = undefined;
      }
    }
    let next: EffectiveConfig;
    try {
      const layered = layerConfig(
        {
          remote: remoteRaw,
          local: local.raw,
          remoteName: this.remote?.url,
          remoteText: this.remote?.current().text,
          localText: local.text,
        },
        this.file,
      );
      next = { ...local, ...layered };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.emit("invalid", err);
      return;
    }
    const previous = this._latest;
    this._latest = next;
    if (cause === "local")
      void this.syncSources().catch((err: Error) => this.logger.error(`remote config: ${err.message}`));
    if (quiet) return;
    if (JSON.stringify(next.config) !== JSON.stringify(previous.config)) this.emit("change", next, previous);
    // The file changed and is valid, with the same values: it may have just been fixed
    // (an error to clear) and its warnings may differ.
    else if (cause === "local") this.emit("recovered");
  }
}
