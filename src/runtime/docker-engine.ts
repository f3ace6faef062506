// ContainerEngine on Docker's API: what each operation asks Docker, and which of its
// answers mean the goal is reached anyway. Every request goes through DockerDialer.dial
// (docker-dial.ts: counted, bounded in time, errors mapped).
import type {
  ContainerEngine,
  EngineInfo,
  EventWatch,
  ExitInfo,
  PilotEvent,
  PilotInfo,
  PilotSpec,
} from "./engine.js";
import { labelFilter, toEngineInfo, toExitInfo, toPilotInfo } from "./docker-mapping.js";
import { DEFAULT_TIMEOUT_MS, DockerDialer } from "./docker-dial.js";
import { DockerApiError, isNotFound } from "./engine-errors.js";
import { dockerConnection } from "./docker-endpoint.js";
import { toCreateOptions } from "./pilot-spec.js";
import { runBounded } from "./run-bounded.js";
import type { EventStreamOptions } from "./event-stream.js";
import { pilotLogs, pullImage, watchPilotEvents } from "./docker-streams.js";

export interface DockerEngineOptions {
  /** Docker's unix socket; default DOCKER_HOST, else /var/run/docker.sock. */
  socketPath?: string;
  /**
   * Where DOCKER_HOST is read (default process.env); docker-modem reads a tcp:// or ssh:// one from
   * process.env.
   */
  env?: NodeJS.ProcessEnv;
  /** How long Docker may take to answer one request (default 30 s). */
  timeoutMs?: number;
  /** Backoff of watchEvents' reconnects (default 0.5 s doubling to 10 s). */
  eventBackoff?: Pick<EventStreamOptions, "initialDelayMs" | "maxDelayMs">;
}

export function createDockerEngine(opts: DockerEngineOptions = {}): ContainerEngine {
  return new DockerEngine(opts);
}

class DockerEngine implements ContainerEngine {
  readonly endpoint: string;
  private readonly api: DockerDialer;
  private readonly eventBackoff: DockerEngineOptions["eventBackoff"];

  constructor(opts: DockerEngineOptions) {
    const connection = dockerConnection(opts.socketPath, opts.env);
    this.endpoint = connection.endpoint;
    this.api = new DockerDialer(
      connection.options,
      connection.endpoint,
      opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    this.eventBackoff = opts.eventBackoff;
  }

  get apiCalls(): number {
    return this.api.apiCalls;
  }

  async ping(): Promise<void> {
    await this.api.dial("ping", undefined, { method: "GET", path: "/_ping" });
  }

  async info(): Promise<EngineInfo> {
    const raw = await this.api.dial<Record<string, unknown>>("info", undefined, {
      method: "GET",
      path: "/info",
    });
    const version = await this.api.dial<Record<string, unknown>>("version", undefined, {
      method: "GET",
      path: "/version",
    });
    return toEngineInfo(raw, version);
  }

  async listPilots(labels: Record<string, string>): Promise<PilotInfo[]> {
    const filter = labelFilter(labels);
    // Without a label, the listing would hold every container of the host.
    if (filter.length === 0)
      throw new Error(
        "listPilots: at least one label is needed, or every container of the host would count as a pilot",
      );
    const list = await this.api.dial<unknown>("list containers", undefined, {
      method: "GET",
      path: "/containers/json",
      query: { all: true, filters: JSON.stringify({ label: filter }) },
    });
    if (!Array.isArray(list))
      throw new Error(`list containers: unexpected answer from Docker at ${this.endpoint}`);
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
    const created = await this.api.dial<{ Id?: string }>("create", spec.name, {
      method: "POST",
      path: "/containers/create",
      query: name ? { name } : {},
      body: config,
    });
    const id = created?.Id;
    if (!id) throw new Error(`create ${spec.name}: Docker at ${this.endpoint} returned no container id`);
    try {
      await this.api.dial("start", spec.name, {
        method: "POST",
        path: `/containers/${encodeURIComponent(id)}/start`,
      });
    } catch (startError) {
      try {
        await this.remove(id);
      } catch (removeError) {
        // The pilot stays "created": it is ours (labelled) and is removed as never started.
        (startError as Error).message +=
          `; removing the unstarted container failed too: ${(removeError as Error).message}`;
      }
      throw startError;
    }
    return {
      id,
      name: spec.name,
      state: "running",
      createdAtMs,
      image: spec.image,
      labels: { ...spec.labels },
    };
  }

  async launchMany(
    specs: PilotSpec[],
    concurrency: number,
  ): Promise<{ launched: PilotInfo[]; error?: Error }> {
    const outcome = await runBounded(specs, concurrency, (spec) => this.launch(spec));
    return { launched: outcome.results, ...(outcome.error ? { error: outcome.error } : {}) };
  }

  async pause(id: string): Promise<void> {
    try {
      await this.api.dial("pause", id, {
        method: "POST",
        path: `/containers/${encodeURIComponent(id)}/pause`,
      });
    } catch (e) {
      // Docker answers 409 or (20.10) 500 for "already paused"; the goal is reached.
      if (!(e instanceof DockerApiError && /already paused/i.test(e.dockerMessage))) throw e;
    }
  }

  async unpause(id: string): Promise<void> {
    try {
      await this.api.dial("unpause", id, {
        method: "POST",
        path: `/containers/${encodeURIComponent(id)}/unpause`,
      });
    } catch (e) {
      if (!(e instanceof DockerApiError && /is not paused/i.test(e.dockerMessage))) throw e;
    }
  }

  async kill(id: string): Promise<void> {
    await this.sigkill(id);
    await this.remove(id);
  }

  async sigkill(id: string): Promise<void> {
    const sigkill = () =>
      this.api.dial("kill", id, {
        method: "POST",
        path: `/containers/${encodeURIComponent(id)}/kill`,
        query: { signal: "SIGKILL" },
      });
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
    // Docker answers once the container stopped, up to the grace later: bound it by the grace plus our
    // timeout.
    const signal = AbortSignal.timeout(Math.ceil(graceSeconds) * 1000 + this.api.timeoutMs);
    try {
      await this.api.dial(
        "stop",
        id,
        {
          method: "POST",
          path: `/containers/${encodeURIComponent(id)}/stop`,
          query: { t: Math.ceil(graceSeconds) },
        },
        { timeout: "none", signal },
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.api.dial("remove", id, {
        method: "DELETE",
        path: `/containers/${encodeURIComponent(id)}`,
        query: { force: true, v: true },
      });
    } catch (e) {
      if (isNotFound(e)) return;
      // Another remove of the same container is under way: it will be gone.
      if (e instanceof DockerApiError && e.statusCode === 409 && /already in progress/i.test(e.dockerMessage))
        return;
      throw e;
    }
  }

  async exitInfo(id: string): Promise<ExitInfo | undefined> {
    let raw: Record<string, unknown>;
    try {
      raw = await this.api.dial("inspect", id, {
        method: "GET",
        path: `/containers/${encodeURIComponent(id)}/json`,
      });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    return toExitInfo(raw);
  }

  async imagePresent(image: string): Promise<boolean> {
    try {
      await this.api.dial("inspect image", image, {
        method: "GET",
        path: `/images/${encodeURIComponent(image)}/json`,
      });
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  pull(image: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    return pullImage(this.api, image, opts);
  }

  watchEvents(
    labels: Record<string, string>,
    onEvent: (e: PilotEvent) => void,
    onState?: (connected: boolean, err?: Error) => void,
  ): EventWatch {
    return watchPilotEvents(this.api, this.eventBackoff, labels, onEvent, onState);
  }

  logs(id: string, opts: { follow: boolean; tail?: number }): Promise<NodeJS.ReadableStream> {
    return pilotLogs(this.api, id, opts);
  }
}
