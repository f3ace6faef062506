// Sends one batch of line protocol to an InfluxDB v1 or v2 write endpoint and says
// what the buffered sender should do next: done, retry later, or drop the batch.
import { createHttpClient, type HttpClient, type HttpResponse } from "./http-post.js";
import { describeTarget } from "./target-names.js";
import type { MetricsTarget } from "./metric-types.js";

export type SendOutcome =
  | { kind: "ok" }
  /** The server is down, overloaded or refuses us for now: keep the batch and retry. */
  | { kind: "retry"; message: string; retryAfterMs?: number }
  /** The server refuses the data itself (a bad point): drop the batch so the queue moves on. */
  | { kind: "reject"; message: string };

export interface Transport {
  /** The target as shown to users (no credentials). */
  readonly description: string;
  /** Never rejects: network errors are a "retry" outcome. */
  send(body: string, signal: AbortSignal): Promise<SendOutcome>;
  close(): void;
}

const MAX_MESSAGE_CHARS = 300;

export function createInfluxTransport(
  target: MetricsTarget,
  requestTimeoutMs: number,
  client?: HttpClient,
): Transport {
  const http = client ?? createHttpClient({ insecureTls: target.insecureTls === true });
  const description = describeTarget(target);
  const headers: Record<string, string> = { "Content-Type": "text/plain; charset=utf-8" };
  if (target.kind === "v2" && target.token !== "") headers.Authorization = `Token ${target.token}`;
  const write = {
    url:
      target.kind === "v1"
        ? endpoint(target.url, "/write", { db: target.database, precision: "ms" })
        : endpoint(target.url, "/api/v2/write", { org: target.org, bucket: target.bucket, precision: "ms" }),
  };

  async function attempt(body: string, signal: AbortSignal): Promise<HttpResponse | Error> {
    try {
      return await http.post(write.url, body, headers, requestTimeoutMs, signal);
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  }

  // The original created the database when a write failed; so do we, on the 404 that says so.
  async function createDatabase(
    database: string,
    base: string,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const q = `CREATE DATABASE ${quoteIdentifier(database)}`;
    try {
      const res = await http.post(
        endpoint(base, "/query", {}),
        new URLSearchParams({ q }).toString(),
        { "Content-Type": "application/x-www-form-urlencoded" },
        requestTimeoutMs,
        signal,
      );
      if (res.status < 200 || res.status >= 300) return `${q}: HTTP ${res.status}: ${errorText(res.body)}`;
      const inner = /"error"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(res.body);
      return inner !== null ? `${q}: ${inner[1]}` : undefined;
    } catch (e) {
      return `${q}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  return {
    description,
    async send(body, signal) {
      let res = await attempt(body, signal);
      if (
        target.kind === "v1" &&
        !(res instanceof Error) &&
        res.status === 404 &&
        /database not found/i.test(res.body)
      ) {
        const failed = await createDatabase(target.database, target.url, signal);
        if (failed !== undefined) return { kind: "retry", message: `${description}: ${failed}` };
        res = await attempt(body, signal);
      }
      return classify(res, description);
    },
    close: () => http.close(),
  };
}

/** What a response (or a network error) means for the batch. */
export function classify(res: HttpResponse | Error, description: string): SendOutcome {
  if (res instanceof Error) return { kind: "retry", message: clip(`${description}: ${res.message}`) };
  const { status } = res;
  if (status >= 200 && status < 300) return { kind: "ok" };
  const message = clip(`${description}: HTTP ${status}: ${errorText(res.body)}`);
  // 401/403: credentials being fixed; 404: database/bucket or path not there yet; 408/429: slow down.
  // None of these is the data's fault, so the points wait (the buffer bound still applies).
  if (status >= 500 || [401, 403, 404, 408, 429].includes(status)) {
    const retryAfterMs = parseRetryAfterMs(res.headers["retry-after"]);
    return retryAfterMs !== undefined ? { kind: "retry", message, retryAfterMs } : { kind: "retry", message };
  }
  return { kind: "reject", message };
}

function parseRetryAfterMs(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const seconds = Number(text);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

function errorText(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === "object") {
      const o = parsed as Record<string, unknown>;
      if (typeof o.error === "string") return o.error;
      if (typeof o.message === "string") return o.message;
    }
  } catch {
    // not JSON: the text itself
  }
  return body.trim() === "" ? "(empty body)" : body.trim();
}

function clip(message: string): string {
  const oneLine = message.replace(/\s+/g, " ");
  return oneLine.length > MAX_MESSAGE_CHARS ? `${oneLine.slice(0, MAX_MESSAGE_CHARS)}...` : oneLine;
}

/** base (which may carry a path prefix behind a proxy) + path + query. */
export function endpoint(base: string, path: string, params: Record<string, string>): string {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "")).toString();
  return `${base.replace(/\/+$/, "")}${path}${query !== "" ? `?${query}` : ""}`;
}

/** An InfluxQL double-quoted identifier. */
function quoteIdentifier(name: string): string {
  return `"${name.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
