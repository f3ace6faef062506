// One Docker API request through dockerode's modem (docker-modem): counted (apiCalls),
// bounded in time (Docker must answer within timeoutMs; pulls have none, streams only
// for their response headers), and its failure turned into our errors (engine-errors.ts).
// The modem is used directly rather than dockerode's methods so that every call has
// the same abort/timeout handling and exact status handling; dockerode's own methods
// add nothing here but per-method quirks (e.g. non-follow logs parsed as JSON).
import Docker from "dockerode";
import type DockerModem from "docker-modem";
import { EngineTimeoutError, toEngineError } from "./engine-errors.js";

export const DEFAULT_TIMEOUT_MS = 30_000;

/** Success for every request: Docker's 2xx, and 304 "already started/stopped". */
const OK_STATUS: Record<number, true> = { 200: true, 201: true, 204: true, 304: true };

interface DialRequest {
  method: "GET" | "POST" | "DELETE";
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
  isStream?: boolean;
  authconfig?: DockerModem.DialOptions["authconfig"];
}

interface DialLimits {
  /** "request": the whole answer within timeoutMs; "headers": only the response headers; "none". */
  timeout: "request" | "headers" | "none";
  /** A caller's signal (pull, events) that aborts the request. */
  signal?: AbortSignal;
}

/** Sends requests to one Docker endpoint. */
export class DockerDialer {
  readonly docker: Docker;
  private calls = 0;

  constructor(
    options: Docker.DockerOptions,
    readonly endpoint: string,
    readonly timeoutMs: number,
  ) {
    this.docker = new Docker(options);
  }

  /** Requests sent so far. */
  get apiCalls(): number {
    return this.calls;
  }

  /** One Docker API request: counted, bounded in time, errors mapped. */
  dial<T>(
    operation: string,
    target: string | undefined,
    req: DialRequest,
    limits: DialLimits = { timeout: "request" },
  ): Promise<T> {
    this.calls++;
    const ctl = new AbortController();
    const onCallerAbort = () => ctl.abort();
    limits.signal?.addEventListener("abort", onCallerAbort, { once: true });
    if (limits.signal?.aborted) ctl.abort();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      // keepLink: a stream handed to the caller stays abortable by the caller's signal.
      const settle = (fn: () => void, keepLink = false) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        if (!keepLink) limits.signal?.removeEventListener("abort", onCallerAbort);
        fn();
      };
      if (limits.timeout !== "none") {
        timer = setTimeout(() => {
          ctl.abort();
          const part = limits.timeout === "headers" ? "did not begin to answer" : "did not answer";
          const where = target ? `${operation} ${target}` : operation;
          settle(() =>
            reject(
              new EngineTimeoutError(
                `${where}: Docker at ${this.endpoint} ${part} within ${this.timeoutMs} ms`,
              ),
            ),
          );
        }, this.timeoutMs);
      }
      // The modem sends `_query` as the query string and, for POST, `_body` as JSON
      // (an empty object: no body at all).
      const options: Record<string, unknown> = { _query: req.query ?? {} };
      if (req.method === "POST") options["_body"] = req.body ?? {};
      const dialOptions: DockerModem.DialOptions = {
        path: `${req.path}?`,
        method: req.method,
        options,
        isStream: req.isStream ?? false,
        statusCodes: OK_STATUS,
        ...(req.authconfig ? { authconfig: req.authconfig } : {}),
      };
      (dialOptions as { abortSignal?: AbortSignal }).abortSignal = ctl.signal;
      try {
        this.docker.modem.dial(dialOptions, (err: unknown, data: unknown) => {
          if (err) {
            const aborted = limits.signal?.aborted === true;
            settle(() =>
              reject(
                aborted
                  ? new Error(`${operation}${target ? ` ${target}` : ""}: aborted`)
                  : toEngineError(err, operation, target, this.endpoint),
              ),
            );
          } else {
            settle(() => resolve(data as T), req.isStream === true);
          }
        });
      } catch (err) {
        settle(() => reject(toEngineError(err, operation, target, this.endpoint)));
      }
    });
  }
}
