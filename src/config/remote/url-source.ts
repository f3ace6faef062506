// config_url: a remote config fetched every config_url_every, layered under the local
// file. Bad remote input never replaces the last good copy: the caller's `accept` hook
// (privileges, layering, validation) decides before a copy is used or cached, errors are
// reported once per distinct message (not once per retry), and the last accepted copy is
// cached in the confdir so a restart without network starts from it.
import { EventEmitter } from "node:events";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { ConfigError, formatProblem } from "../errors.js";
import { formatCacheFile, parseCacheFile } from "./cache-file.js";
import { describeRemoteProblem, parseRemoteText, RemoteConfigError } from "./remote-error.js";
import type {
  RemoteConfigCopy,
  RemoteConfigEvents,
  RemoteConfigSourceOptions,
  RemoteConfigStatus,
} from "./url-source-types.js";
import {
  checkRemoteUrl,
  DEFAULT_MAX_BYTES,
  DEFAULT_TIMEOUT_MS,
  fetchRemoteText,
  toRemoteError,
} from "./url-fetch.js";

export * from "./cache-file.js";
export * from "./remote-error.js";
export * from "./url-fetch.js";

export * from "./url-source-types.js";

export class RemoteConfigSource extends EventEmitter<RemoteConfigEvents> {
  readonly url: string;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly clock: () => number;
  private readonly closer = new AbortController();
  private readonly urlProblem?: RemoteConfigError;
  private everySeconds: number;
  private cur?: RemoteConfigCopy;
  private timer?: NodeJS.Timeout;
  private inflight?: Promise<void>;
  private queued?: Promise<void>;
  private closed = false;
  private lastReported?: string;
  private st: {
    staleSinceMs?: number;
    lastError?: string;
    lastSuccessAtMs?: number;
    lastAttemptAtMs?: number;
    errors: number;
    stale: boolean;
  } = { errors: 0, stale: false };

  constructor(private readonly opts: RemoteConfigSourceOptions) {
    super();
    this.url = opts.url;
    this.everySeconds = opts.everySeconds;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    this.clock = opts.clock ?? Date.now;
    this.urlProblem = checkRemoteUrl(opts.url, opts.allowInsecureHttp);
  }

  /**
   * Reads the cached copy (if it is for this URL and still accepted), then fetches once
   * (bounded by timeoutMs) and keeps fetching every everySeconds. Resolves after that
   * first attempt, whatever its outcome: see status() and the events.
   */
  async start(): Promise<void> {
    if (!this.urlProblem) await this.loadCache();
    this.setEverySeconds(this.everySeconds);
    await this.refresh();
  }

  /**
   * Fetches now (SIGHUP, tests). Never rejects. A call while an attempt is in flight gets
   * one more attempt after it (that one may have read the server before the change the
   * caller wants); every call meanwhile shares that one.
   */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.inflight) {
      this.queued ??= this.inflight.then(() => {
        this.queued = undefined;
        return this.refresh();
      });
      return this.queued;
    }
    this.inflight = this.attempt().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  setEverySeconds(seconds: number): void {
    this.everySeconds = seconds;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (seconds > 0 && !this.closed) {
      this.timer = setInterval(() => void this.refresh(), seconds * 1000);
      this.timer.unref();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.closer.abort();
    await this.inflight;
    await this.queued;
  }

  current(): Partial<RemoteConfigCopy> {
    return this.cur ? { ...this.cur } : {};
  }

  status(): RemoteConfigStatus {
    return {
      url: this.url,
      stale: this.st.stale,
      staleSinceMs: this.st.staleSinceMs,
      lastError: this.st.lastError,
      lastSuccessAtMs: this.st.lastSuccessAtMs,
      lastAttemptAtMs: this.st.lastAttemptAtMs,
      fetchedAtMs: this.cur?.fetchedAtMs,
      fromCache: this.cur?.fromCache ?? false,
      errors: this.st.errors,
    };
  }

  private async attempt(): Promise<void> {
    this.st.lastAttemptAtMs = this.clock();
    try {
      if (this.urlProblem) throw this.urlProblem;
      const got = await fetchRemoteText(this.url, {
        allowInsecureHttp: this.opts.allowInsecureHttp,
        timeoutMs: this.timeoutMs,
        maxBytes: this.maxBytes,
        etag: this.cur?.etag,
        lastModified: this.cur?.lastModified,
        signal: this.closer.signal,
      });
      if (this.closed) return;
      if (got.notModified) {
        if (!this.cur)
          throw new RemoteConfigError(
            this.url,
            "http",
            "answered 304 Not Modified without a copy to keep; the server's cache headers are wrong",
          );
        this.cur = { ...this.cur, fromCache: false }; // confirmed by the server
        this.succeeded();
        return;
      }
      if (this.cur && got.text === this.cur.text) {
        // Same content (a server without ETag): nothing to apply; remember new validators.
        const changed = got.etag !== this.cur.etag || got.lastModified !== this.cur.lastModified;
        this.cur = { ...this.cur, etag: got.etag, lastModified: got.lastModified, fromCache: false };
        this.succeeded();
        if (changed) await this.writeCache(this.cur);
        return;
      }
      // An empty answer is a broken server or a truncated deploy far more often than a
      // decision to drop every remote key: refuse it (a remote that sets nothing says {}).
      if (got.text.replace(/#.*$/gm, "").trim() === "")
        throw new RemoteConfigError(
          this.url,
          "yaml",
          "the body is empty (or only comments), the last good copy stays; serve {} for a remote " +
            "config that sets nothing",
        );
      const raw = parseRemoteText(got.text, this.url);
      await this.acceptOrReject(raw, got.text);
      if (this.closed) return;
      this.cur = {
        raw,
        text: got.text,
        fetchedAtMs: this.clock(),
        etag: got.etag,
        lastModified: got.lastModified,
        fromCache: false,
      };
      this.succeeded();
      // Applied at once (status then shows the success and its effect together); cached after.
      this.emit("update", { ...this.cur });
      await this.writeCache(this.cur);
    } catch (err) {
      if (this.closed) return;
      this.failed(toRemoteError(this.url, err, this.timeoutMs));
    }
  }

  /** Asks the `accept` hook (privileges, layering, validation); a refusal becomes a "rejected" error. */
  private async acceptOrReject(raw: Record<string, unknown>, text: string): Promise<void> {
    try {
      await this.opts.accept?.({ raw, text, url: this.url });
    } catch (err) {
      // Problems located in the remote itself need not repeat its URL.
      const why =
        err instanceof ConfigError
          ? err.problems
              .map((p) => (err.file === this.url ? describeRemoteProblem(p) : formatProblem(err.file, p)))
              .join("; ")
          : (err as Error).message.split("\n").join("; ");
      throw new RemoteConfigError(this.url, "rejected", `rejected, the last good copy stays: ${why}`);
    }
  }

  private async loadCache(): Promise<void> {
    let content: string;
    try {
      content = await readFile(this.opts.cacheFile, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT")
        this.report(
          new RemoteConfigError(
            this.url,
            "cache",
            `cannot read the cache ${this.opts.cacheFile}: ${(err as Error).message}`,
          ),
        );
      return;
    }
    const cached = parseCacheFile(content);
    if (!cached || cached.meta.url !== this.url) return; // another URL's copy, or not ours
    try {
      const raw = parseRemoteText(cached.text, `${this.opts.cacheFile} (cache of ${this.url})`);
      await this.acceptOrReject(raw, cached.text);
      this.cur = {
        raw,
        text: cached.text,
        fetchedAtMs: cached.meta.fetchedAtMs,
        etag: cached.meta.etag,
        lastModified: cached.meta.lastModified,
        fromCache: true,
      };
      this.emit("update", { ...this.cur });
    } catch (err) {
      this.failed(toRemoteError(this.url, err, this.timeoutMs));
    }
  }

  /** Atomic (write then rename), 0600: a remote config may hold tokens. */
  private async writeCache(copy: RemoteConfigCopy): Promise<void> {
    const tmp = `${this.opts.cacheFile}.tmp-${process.pid}`;
    try {
      await mkdir(path.dirname(this.opts.cacheFile), { recursive: true });
      await writeFile(
        tmp,
        formatCacheFile(
          { url: this.url, etag: copy.etag, lastModified: copy.lastModified, fetchedAtMs: copy.fetchedAtMs },
          copy.text,
        ),
        { mode: 0o600 },
      );
      await rename(tmp, this.opts.cacheFile);
    } catch (err) {
      this.report(
        new RemoteConfigError(
          this.url,
          "cache",
          `cannot write the cache ${this.opts.cacheFile}: ${(err as Error).message}; a restart ` +
            `without network will start without the remote config`,
        ),
      );
    }
  }

  private succeeded(): void {
    const wasStale = this.st.stale;
    this.st = {
      ...this.st,
      stale: false,
      staleSinceMs: undefined,
      lastError: undefined,
      lastSuccessAtMs: this.clock(),
    };
    this.lastReported = undefined;
    if (wasStale) this.emit("recovered");
  }

  private failed(err: RemoteConfigError): void {
    this.st.errors += 1;
    this.st.stale = true;
    this.st.staleSinceMs ??= this.clock();
    this.st.lastError = err.message;
    this.report(err);
  }

  /** Emits "error" once per distinct message (an EventEmitter "error" without listener would throw). */
  private report(err: RemoteConfigError): void {
    if (err.message === this.lastReported) return;
    this.lastReported = err.message;
    if (this.listenerCount("error") > 0) this.emit("error", err);
  }
}
