// config_url: a remote config fetched every config_url_every, layered under the local
// file. Bad remote input never replaces the last good copy: the caller's `accept` hook
// (privileges, layering, validation) decides before a copy is used or cached, errors are
// reported once per distinct message (not once per retry), and the last accepted copy is
// cached in the confdir so a restart without network starts from it.
import { EventEmitter } from "node:events";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { clipText, ConfigError, formatProblem, type ConfigProblem } from "../errors.js";
import { parseYamlObject } from "../parse.js";
import { MAX_REMOTE_ENTRIES } from "./remote-shape.js";

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 5;
/** Longest remote error message (it goes to the log and to `planctonctl status`). */
export const MAX_REMOTE_ERROR_CHARS = 4000;

export type RemoteErrorKind = "url" | "insecure" | "unreachable" | "timeout" | "http" | "oversize" | "encoding" | "yaml" | "rejected" | "cache";

/** A one-line message: `remote config <url>: what went wrong; what to do`. */
export class RemoteConfigError extends Error {
  constructor(readonly url: string, readonly kind: RemoteErrorKind, detail: string) {
    // Bounded whatever the server sent (a Location header, a rejected config's problems).
    super(clipText(`remote config ${url}: ${detail}`.replace(/\r\n|\r|\n/g, "; "), MAX_REMOTE_ERROR_CHARS));
    this.name = "RemoteConfigError";
  }
}

/** A copy of the remote config, as fetched (or read back from the cache). */
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
  private st: { staleSinceMs?: number; lastError?: string; lastSuccessAtMs?: number; lastAttemptAtMs?: number; errors: number; stale: boolean } = { errors: 0, stale: false };

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
      url: this.url, stale: this.st.stale, staleSinceMs: this.st.staleSinceMs, lastError: this.st.lastError,
      lastSuccessAtMs: this.st.lastSuccessAtMs, lastAttemptAtMs: this.st.lastAttemptAtMs,
      fetchedAtMs: this.cur?.fetchedAtMs, fromCache: this.cur?.fromCache ?? false, errors: this.st.errors,
    };
  }

  private async attempt(): Promise<void> {
    this.st.lastAttemptAtMs = this.clock();
    try {
      if (this.urlProblem) throw this.urlProblem;
      const got = await fetchRemoteText(this.url, {
        allowInsecureHttp: this.opts.allowInsecureHttp, timeoutMs: this.timeoutMs, maxBytes: this.maxBytes,
        etag: this.cur?.etag, lastModified: this.cur?.lastModified, signal: this.closer.signal,
      });
      if (this.closed) return;
      if (got.notModified) {
        if (!this.cur) throw new RemoteConfigError(this.url, "http", "answered 304 Not Modified without a copy to keep; the server's cache headers are wrong");
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
      if (got.text.replace(/#.*$/gm, "").trim() === "") throw new RemoteConfigError(this.url, "yaml", "the body is empty (or only comments), the last good copy stays; serve {} for a remote config that sets nothing");
      const raw = parseRemoteText(got.text, this.url);
      await this.decide(raw, got.text);
      if (this.closed) return;
      this.cur = { raw, text: got.text, fetchedAtMs: this.clock(), etag: got.etag, lastModified: got.lastModified, fromCache: false };
      this.succeeded();
      // Applied at once (status then shows the success and its effect together); cached after.
      this.emit("update", { ...this.cur });
      await this.writeCache(this.cur);
    } catch (err) {
      if (this.closed) return;
      this.failed(toRemoteError(this.url, err, this.timeoutMs));
    }
  }

  private async decide(raw: Record<string, unknown>, text: string): Promise<void> {
    try {
      await this.opts.accept?.({ raw, text, url: this.url });
    } catch (err) {
      // Problems located in the remote itself need not repeat its URL.
      const why = err instanceof ConfigError ? err.problems.map((p) => (err.file === this.url ? describeProblem(p) : formatProblem(err.file, p))).join("; ") : (err as Error).message.split("\n").join("; ");
      throw new RemoteConfigError(this.url, "rejected", `rejected, the last good copy stays: ${why}`);
    }
  }

  private async loadCache(): Promise<void> {
    let content: string;
    try {
      content = await readFile(this.opts.cacheFile, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") this.report(new RemoteConfigError(this.url, "cache", `cannot read the cache ${this.opts.cacheFile}: ${(err as Error).message}`));
      return;
    }
    const cached = parseCacheFile(content);
    if (!cached || cached.meta.url !== this.url) return; // another URL's copy, or not ours
    try {
      const raw = parseRemoteText(cached.text, `${this.opts.cacheFile} (cache of ${this.url})`);
      await this.decide(raw, cached.text);
      this.cur = { raw, text: cached.text, fetchedAtMs: cached.meta.fetchedAtMs, etag: cached.meta.etag, lastModified: cached.meta.lastModified, fromCache: true };
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
      await writeFile(tmp, formatCacheFile({ url: this.url, etag: copy.etag, lastModified: copy.lastModified, fetchedAtMs: copy.fetchedAtMs }, copy.text), { mode: 0o600 });
      await rename(tmp, this.opts.cacheFile);
    } catch (err) {
      this.report(new RemoteConfigError(this.url, "cache", `cannot write the cache ${this.opts.cacheFile}: ${(err as Error).message}; a restart without network will start without the remote config`));
    }
  }

  private succeeded(): void {
    const wasStale = this.st.stale;
    this.st = { ...this.st, stale: false, staleSinceMs: undefined, lastError: undefined, lastSuccessAtMs: this.clock() };
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

// --- pure helpers, exported for tests ---

/** undefined when the URL may be fetched; else why not. */
export function checkRemoteUrl(url: string, allowInsecureHttp: boolean): RemoteConfigError | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return new RemoteConfigError(url, "url", "not a URL; write config_url: https://host/path/config.yaml");
  }
  if (u.protocol === "https:") return undefined;
  if (u.protocol === "http:") {
    return allowInsecureHttp ? undefined : new RemoteConfigError(url, "insecure", "plain http is refused: use https, or set allow_insecure_http: true in the local config.yaml");
  }
  return new RemoteConfigError(url, "url", `${u.protocol} URLs are not supported: use https`);
}

/** Parses the remote's YAML; errors name the URL and the line, on one line. */
export function parseRemoteText(text: string, source: string): Record<string, unknown> {
  try {
    // Each entry is a key and a value: past twice the entry cap, parsing stops at once.
    return parseYamlObject(text, source, { maxNodes: 2 * MAX_REMOTE_ENTRIES + 1 });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new RemoteConfigError(source, "yaml", err.problems.map(describeProblem).join("; "));
  }
}

/** A problem without its file name (the message already names the URL). */
function describeProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? "" : `line ${p.line}${p.column === undefined ? "" : `:${p.column}`}: `;
  return `${where}${p.key ? `${p.key}: ` : ""}${p.message}`;
}

export type FetchResult = { notModified: true } | { notModified: false; text: string; etag?: string; lastModified?: string };

export interface FetchOptions {
  allowInsecureHttp: boolean;
  timeoutMs: number;
  maxBytes: number;
  etag?: string;
  lastModified?: string;
  signal?: AbortSignal;
}

/**
 * One conditional GET (If-None-Match / If-Modified-Since; 304 = unchanged), following
 * at most 5 redirects, each checked like the URL itself (no https -> http downgrade).
 * The timeout covers everything, body included; the size cap is enforced while reading.
 */
export async function fetchRemoteText(url: string, o: FetchOptions): Promise<FetchResult> {
  // Not AbortSignal.any([o.signal, AbortSignal.timeout(ms)]): on Node 20 the garbage
  // collector can take the timeout signal before it fires, and the request then hangs for good.
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new DOMException(`no answer within ${o.timeoutMs} ms`, "TimeoutError")), o.timeoutMs);
  const onAbort = () => ctl.abort(o.signal?.reason);
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    return await fetchWithin(url, o, ctl.signal);
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener("abort", onAbort);
  }
}

async function fetchWithin(url: string, o: FetchOptions, signal: AbortSignal): Promise<FetchResult> {
  const headers: Record<string, string> = { accept: "application/yaml, text/yaml, text/plain;q=0.9, */*;q=0.5", "user-agent": "plancton-remote-config" };
  if (o.etag) headers["if-none-match"] = o.etag;
  if (o.lastModified) headers["if-modified-since"] = o.lastModified;
  let target = url;
  for (let hop = 0; ; hop++) {
    const problem = checkRemoteUrl(target, o.allowInsecureHttp);
    if (problem) throw target === url ? problem : new RemoteConfigError(url, problem.kind, `redirected to ${target}: ${problem.message.replace(`remote config ${target}: `, "")}`);
    const res = await fetch(target, { headers, signal, redirect: "manual" });
    if (res.status === 304) {
      await res.body?.cancel();
      return { notModified: true };
    }
    if (res.status >= 300 && res.status < 400 && res.headers.get("location")) {
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new RemoteConfigError(url, "http", `more than ${MAX_REDIRECTS} redirects; point config_url at the final address`);
      target = new URL(res.headers.get("location") as string, target).toString();
      continue;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new RemoteConfigError(url, "http", describeHttpStatus(res.status, res.statusText));
    }
    const declared = contentLengthOver(res.headers.get("content-length"), o.maxBytes);
    if (declared !== undefined) {
      await res.body?.cancel();
      throw new RemoteConfigError(url, "oversize", `the body is ${declared} bytes, over the ${formatBytes(o.maxBytes)} limit; a config is a few KiB: check config_url`);
    }
    const bytes = await readCapped(res.body, o.maxBytes);
    if (bytes === undefined) throw new RemoteConfigError(url, "oversize", `the body is over the ${formatBytes(o.maxBytes)} limit (stopped reading); a config is a few KiB: check config_url`);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new RemoteConfigError(url, "encoding", "the body is not UTF-8 text; serve the config.yaml itself");
    }
    return { notModified: false, text, etag: res.headers.get("etag") ?? undefined, lastModified: res.headers.get("last-modified") ?? undefined };
  }
}

/** The declared length when it is over the cap, else undefined (absent or small). */
export function contentLengthOver(header: string | null, maxBytes: number): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  const n = Number(header.trim());
  return n > maxBytes ? n : undefined;
}

/** Reads a body up to maxBytes; undefined (and the stream cancelled) as soon as it is over. */
export async function readCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array | undefined> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export function describeHttpStatus(status: number, statusText: string): string {
  const what = `HTTP ${status}${statusText ? ` ${statusText}` : ""}`;
  if (status === 404 || status === 410) return `${what}: no config at this address; check config_url`;
  if (status === 401 || status === 403) return `${what}: the server refuses access; config_url must be readable without credentials`;
  if (status >= 500) return `${what}: the server failed; the last good copy stays and the fetch is retried`;
  return `${what}: expected 200 or 304`;
}

/** Any error of a fetch attempt as a one-line RemoteConfigError naming the URL. */
export function toRemoteError(url: string, err: unknown, timeoutMs: number): RemoteConfigError {
  if (err instanceof RemoteConfigError) return err;
  const e = err as Error & { cause?: Error & { code?: string } };
  if (e?.name === "TimeoutError" || e?.cause?.name === "TimeoutError") {
    return new RemoteConfigError(url, "timeout", `no complete answer within ${timeoutMs / 1000} s; check the server and the network`);
  }
  const code = e?.cause?.code ?? (e as { code?: string })?.code;
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    // keep the URL
  }
  if (code === "ECONNREFUSED") return new RemoteConfigError(url, "unreachable", `connection refused by ${host}: nothing listens there; check config_url and that the server runs`);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return new RemoteConfigError(url, "unreachable", `host ${host} not found (${code}); check config_url and DNS`);
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH" || code === "ETIMEDOUT" || code === "ECONNRESET" || code === "UND_ERR_SOCKET") {
    return new RemoteConfigError(url, "unreachable", `cannot reach ${host} (${code}); check the network`);
  }
  if (code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
    return new RemoteConfigError(url, "unreachable", `TLS certificate problem (${code}); fix the server's certificate`);
  }
  const detail = (e?.cause?.message ?? e?.message ?? String(err)).split("\n")[0];
  return new RemoteConfigError(url, "unreachable", `cannot fetch: ${detail}${code ? ` (${code})` : ""}`);
}

export function formatBytes(n: number): string {
  if (n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

// The cache file is the remote text behind one comment line of metadata, so it is
// still a plain YAML file an admin can read.
const CACHE_HEADER = "# plancton remote-config cache, do not edit: ";

export interface CacheMeta {
  url: string;
  etag?: string;
  lastModified?: string;
  fetchedAtMs: number;
}

export function formatCacheFile(meta: CacheMeta, text: string): string {
  return `${CACHE_HEADER}${JSON.stringify(meta)}\n${text}`;
}

export function parseCacheFile(content: string): { meta: CacheMeta; text: string } | undefined {
  if (!content.startsWith(CACHE_HEADER)) return undefined;
  const nl = content.indexOf("\n");
  if (nl < 0) return undefined;
  try {
    const meta = JSON.parse(content.slice(CACHE_HEADER.length, nl)) as Partial<CacheMeta>;
    if (typeof meta.url !== "string" || typeof meta.fetchedAtMs !== "number") return undefined;
    return { meta: { url: meta.url, etag: meta.etag, lastModified: meta.lastModified, fetchedAtMs: meta.fetchedAtMs }, text: content.slice(nl + 1) };
  } catch {
    return undefined;
  }
}
