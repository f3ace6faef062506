// What config_url's source gives and takes: the accepted copy, its status, the options and
// the events of RemoteConfigSource (url-source.ts).
import type { RemoteConfigError } from "./remote-error.js";

export interface RemoteConfigCopy {
  raw: Record<string, unknown>;
  text: string;
  fetchedAtMs: number;
  etag?: string;
  lastModified?: string;
  /** true when read from the cache file at start and not yet confirmed by the server. */
  fromCache: boolean;
}

export interface RemoteConfigStatus {
  url: string;
  /** The last attempt failed (or was rejected): what is in force is older than it should be. */
  stale: boolean;
  /** When the current run of failures began. */
  staleSinceMs?: number;
  lastError?: string;
  /** Last fetch that confirmed or replaced the copy in force (200 accepted, or 304). */
  lastSuccessAtMs?: number;
  lastAttemptAtMs?: number;
  /** When the copy in force was fetched (undefined: no remote copy in force). */
  fetchedAtMs?: number;
  fromCache: boolean;
  /** Failed attempts since start (a counter, for metrics). */
  errors: number;
}

export interface RemoteConfigSourceOptions {
  url: string;
  everySeconds: number;
  allowInsecureHttp: boolean;
  /** Where the last accepted copy is kept: `<confdir>/.remote-config.yaml`. */
  cacheFile: string;
  timeoutMs?: number;
  maxBytes?: number;
  clock?: () => number;
  /**
   * Decides whether a parsed copy may be used: throw (a ConfigError from
   * assertRemoteAllowed / layerConfig, say) to reject it. Called for fetched copies and
   * for the cached copy at start. Only accepted copies become current() and are cached.
   * Without it every copy that parses as a YAML map is accepted.
   */
  accept?: (remote: { raw: Record<string, unknown>; text: string; url: string }) => void | Promise<void>;
}

export interface RemoteConfigEvents {
  /** A new accepted copy (also at start from the cache): re-layer and apply it. */
  update: [copy: RemoteConfigCopy];
  /** Once per distinct message until the next success; the last good copy stays. */
  error: [err: RemoteConfigError];
  /** A success after failures. */
  recovered: [];
}
