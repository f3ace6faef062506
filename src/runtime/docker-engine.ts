// ContainerEngine on Docker's API, through dockerode's modem (docker-modem).
//
// Every request goes through one function, `dial`, which counts it (apiCalls), gives
// it a timeout (Docker must answer within timeoutMs; pulls have none, streams only
// for their response headers) and turns failures into our errors (engine-errors.ts).
// The modem is used directly rather than dockerode's methods so that every call has
// the same abort/timeout handling and exact status handling; dockerode's own methods
// add nothing here but per-method quirks (e.g. non-follow logs parsed as JSON).
import { PassThrough } from "node:stream";
import Docker from "dockerode";
import type DockerModem from "docker-modem";
import type { ContainerEngine, EngineInfo, EventWatch, ExitInfo, PilotEvent, PilotInfo, PilotSpec } from "./engine.js";
import { labelFilter, toEngineInfo, toExitInfo, toPilotInfo } from "./docker-mapping.js";
import { DockerApiError, EngineTimeoutError, EngineUnavailableError, isNotFound, toEngineError } from "./engine-errors.js";
import { dockerConnection } from "./docker-endpoint.js";
import { toCreateOptions } from "./pilot-spec.js";
import { loadRegistryAuth } from "./docker-auth.js";
import { PullFailedError, followPullProgress } from "./pull-progress.js";
import { splitImage } from "./image-ref.js";
import { runBounded } from "./run-bounded.js";
import { watchEventStream, type EventStreamOptions } from "./event-stream.js";

export interface DockerEngineOptions {
  /** Docker's unix socket; default DOCKER_HOST, else /var/run/docker.sock. */
  socketPath?: string;
  /** Where DOCKER_HOST is read (default process.env); docker-modem reads a tcp:// or ssh:// one from process.env. */
  env?: NodeJS.ProcessEnv;
  /** How long Docker may take to answer one request (default 30 s). */
  timeoutMs?: number;
  /** Backoff of watchEvents' reconnects (default 0.5 s doubling to 10 s). */
  eventBackoff?: Pick<EventStreamOptions, "initialDelayMs" | "maxDelayMs">;
}

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

export function createDockerEngine(opts: DockerEngineOptions = {}): ContainerEngine {
  return new DockerEngine(opts);
}

class DockerEngine implements ContainerEngine {
  readonly endpoint: string;
  private readonly docker: Docker;
  private readonly timeoutMs: number;
  private readonly eventBackoff: DockerEngineOptions["eventBackoff"];
  private calls = 0;

  constructor(opts: DockerEngineOptions) {
    const connection = dockerConnection(opts.socketPath, opts.env);
    this.endpoint = connection.endpoint;
    this.docker = new Docker(connection.options);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.eventBackoff = opts.eventBackoff;
  }

  get apiCalls(): number {
    return this.calls;
  }

  /** One Docker API request: counted, bounded in time, errors mapped. */
  private dial<T>(operation: string, target: string | undefined, req: DialRequest, limits: DialLimits = { timeout: "request" }): Promise<T> {
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
          settle(() => reject(new EngineTimeoutError(`${where}: Docker at ${this.endpoint} ${part} within ${this.timeoutMs} ms`)));
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
            settle(() => reject(aborted ? new Error(`${operation}${target ? ` ${target}` : ""}: aborted`) : toEngineError(err, operation, target, this.endpoint)));
          } else {
            settle(() => resolve(data as T), req.isStream === true);
          }
        });
      } catch (err) {
        settle(() => reject(toEngineError(err, operation, target, this.endpoint)));
      }
    });
  }

  async ping(): Promise<void> {
    await this.dial("ping", undefined, { method: "GET", path: "/_ping" });
  }

  async info(): Promise<EngineInfo> {
    const raw = await this.dial<Record<string, unknown>>("info", undefined, { method: "GET", path: "/info" });
    const version = await this.dial<Record<string, unknown>>("version", undefined, { method: "GET", path: "/version" });
    return toEngineInfo(raw, version);
  }

  async listPilots(labels: Record<string, string>): Promise<PilotInfo[]> {
    const filter = labelFilter(labels);
    // Without a label, the listing would hold every container of the host.
    if (filter.length === 0) throw new Error("listPilots: at least one label is needed, or every container of the host would count as a pilot");
    const list = await this.dial<unknown>("list containers", undefined, {
      method: "GET",
      path: "/containers/json",
      query: { all: true, filters: JSON.stringify({ label: filter }) },
    });
    if (!Array.isArray(list)) throw new Error(`list containers: unexpected answer from Docker at ${this.endpoint}`);
    return list.map((c: Record<string, unknown>) => toPilotInfo(c));
  }

  async launch(spec: PilotSpec): Promise<PilotInfo> {
    let body: ReturnType<typeof toCreateOptions>;
    try {
      body = toCreateOptions(spec);
    } catch (e) {
      throw new Error(`create ${spec.name}: ${(e as Error).message}`, { cause: e });
    }
    const { name, ...config } = body;
    const createdAtMs = Date.now();
    const created = await this.dial<{ Id?: string }>("create", spec.name, {
      method: "POST",
      path: "/containers/create",
      query: name ? { name } : {},
      body: config,
    });
    const id = created?.Id;
    if (!id) throw new Error(`create ${spec.name}: Docker at ${this.endpoint} returned no container id`);
    try {
      await this.dial("start", spec.name, { method: "POST", path: `/containers/${encodeURIComponent(id)}/start` });
    } catch (startError) {
      try {
        await this.remove(id);
      } catch (removeError) {
        // The pilot stays "created": it is ours (labelled) and is removed as never started.
        (startError as Error).message += `; removing the unstarted container failed too: ${(removeError as Error).message}`;
      }
      throw startError;
    }
    return { id, name: spec.name, state: "running", createdAtMs, image: spec.image, labels: { ...spec.labels } };
  }

  async launchMany(specs: PilotSpec[], concurrency: number): Promise<{ launched: PilotInfo[]; error?: Error }> {
    const outcome = await runBounded(specs, concurrency, (spec) => this.launch(spec));
    return { launched: outcome.results, ...(outcome.error ? { error: outcome.error } : {}) };
  }

  async pause(id: string): Promise<void> {
    try {
      await this.dial("pause", id, { method: "POST", path: `/containers/${encodeURIComponent(id)}/pause` });
    } catch (e) {
      // Docker answers 409 or (20.10) 500 for "already paused"; the goal is reached.
      if (!(e instanceof DockerApiError && /already paused/i.test(e.dockerMessage))) throw e;
    }
  }

  async unpause(id: string): Promise<void> {
    try {
      await this.dial("unpause", id, { method: "POST", path: `/containers/${encodeURIComponent(id)}/unpause` });
    } catch (e) {
      if (!(e instanceof DockerApiError && /is not paused/i.test(e.dockerMessage))) throw e;
    }
  }

  async kill(id: string): Promise<void> {
    await this.sigkill(id);
    await this.remove(id);
  }

  async sigkill(id: string): Promise<void> {
    const sigkill = () => this.dial("kill", id, { method: "POST", path: `/containers/${encodeURIComponent(id)}/kill`, query: { signal: "SIGKILL" } });
    try {
      await sigkill();
    } catch (e) {
      if (isNotFound(e)) return;
      // Docker not there: nothing more can be done now.
      if (!(e instanceof DockerApiError)) throw e;
      // Anything else (409 "is not running", or "is paused" on Docker versions that
      // refuse to kill a paused container) leaves the force remove below to finish it.
      if (/paused/i.test(e.dockerMessage)) {
        await this.unpause(id).catch((u: unknown) => {
          if (!(u instanceof DockerApiError)) throw u;
        });
        await sigkill().catch((k: unknown) => {
          if (!(k instanceof DockerApiError)) throw k;
        });
      }
    }
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    // Docker answers once the container stopped, up to the grace later: bound it by the grace plus our timeout.
    const signal = AbortSignal.timeout(Math.ceil(graceSeconds) * 1000 + this.timeoutMs);
    try {
      await this.dial("stop", id, { method: "POST", path: `/containers/${encodeURIComponent(id)}/stop`, query: { t: Math.ceil(graceSeconds) } }, { timeout: "none", signal });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.dial("remove", id, { method: "DELETE", path: `/containers/${encodeURIComponent(id)}`, query: { force: true, v: true } });
    } catch (e) {
      if (isNotFound(e)) return;
      // Another remove of the same container is under way: it will be gone.
      if (e instanceof DockerApiError && e.statusCode === 409 && /already in progress/i.test(e.dockerMessage)) return;
      throw e;
    }
  }

  async exitInfo(id: string): Promise<ExitInfo | undefined> {
    let raw: Record<string, unknown>;
    try {
      raw = await this.dial("inspect", id, { method: "GET", path: `/containers/${encodeURIComponent(id)}/json` });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    return toExitInfo(raw);
  }

  async imagePresent(image: string): Promise<boolean> {
    try {
      await this.dial("inspect image", image, { method: "GET", path: `/images/${encodeURIComponent(image)}/json` });
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  async pull(image: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const { repository, tag } = splitImage(image);
    const { auth, note } = loadRegistryAuth(image);
    const withNote = (e: Error): Error => {
      if (note) e.message += ` (${note})`;
      return e;
    };
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.dial<NodeJS.ReadableStream>(
        "pull",
        image,
        { method: "POST", path: "/images/create", query: { fromImage: repository, tag }, isStream: true, ...(auth ? { authconfig: { ...auth } } : {}) },
        { timeout: "none", ...(opts.signal ? { signal: opts.signal } : {}) },
      );
    } catch (e) {
      throw withNote(e as Error);
    }
    try {
      await followPullProgress(stream);
    } catch (e) {
      if (opts.signal?.aborted) throw new Error(`pull ${image}: aborted`);
      const message = (e as Error).message;
      if (e instanceof PullFailedError) throw withNote(new DockerApiError(`pull ${image}: ${message}`, 0, message, { cause: e }));
      throw new EngineUnavailableError(`pull ${image}: the progress stream from Docker at ${this.endpoint} was cut: ${message}`, "ECONNRESET", { cause: e });
    }
  }

  watchEvents(labels: Record<string, string>, onEvent: (e: PilotEvent) => void, onState?: (connected: boolean, err?: Error) => void): EventWatch {
    const filters = JSON.stringify({ type: ["container"], ...(Object.keys(labels).length > 0 ? { label: labelFilter(labels) } : {}) });
    const open = (since: string | undefined, signal: AbortSignal) =>
      this.dial<NodeJS.ReadableStream>("events", undefined, { method: "GET", path: "/events", query: { filters, ...(since ? { since } : {}) }, isStream: true }, { timeout: "headers", signal });
    // A lost stream is Docker going away (or restarting): say so in our terms.
    const report = onState
      ? (connected: boolean, err?: Error) => {
          if (connected || err instanceof EngineUnavailableError || err instanceof DockerApiError) return onState(connected, err);
          const why = err ? err.message : "closed";
          return onState(false, new EngineUnavailableError(`events: the stream from Docker at ${this.endpoint} was lost: ${why}`, "ECONNRESET", { cause: err }));
        }
      : undefined;
    return watchEventStream(open, onEvent, report, { ...this.eventBackoff });
  }

  async logs(id: string, opts: { follow: boolean; tail?: number }): Promise<NodeJS.ReadableStream> {
    const ctl = new AbortController();
    const raw = await this.dial<NodeJS.ReadableStream & { destroy(): void }>(
      "logs",
      id,
      {
        method: "GET",
        path: `/containers/${encodeURIComponent(id)}/logs`,
        query: { follow: opts.follow, stdout: true, stderr: true, tail: opts.tail === undefined ? "all" : String(opts.tail) },
        isStream: true,
      },
      { timeout: "headers", signal: ctl.signal },
    );
    const out = new PassThrough();
    this.docker.modem.demuxStream(raw, out, out);
    raw.on("end", () => out.end());
    raw.on("error", (e: Error) => out.destroy(e));
    // The reader gave up: end the request (a follow would otherwise stay open).
    out.on("close", () => {
      if (!out.writableFinished) ctl.abort();
      raw.destroy();
    });
    return out;
  }
}
