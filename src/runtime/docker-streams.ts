// The streaming operations of Docker's API: a pull followed to its end, the event watch,
// and a container's logs demultiplexed. Each request goes through DockerDialer.dial.
import { PassThrough } from "node:stream";
import type { EventWatch, PilotEvent } from "./engine.js";
import { labelFilter } from "./docker-mapping.js";
import type { DockerDialer } from "./docker-dial.js";
import { DockerApiError, EngineUnavailableError } from "./engine-errors.js";
import { loadRegistryAuth } from "./docker-auth.js";
import { PullFailedError, followPullProgress } from "./pull-progress.js";
import { splitImage } from "./image-ref.js";
import { watchEventStream, type EventStreamOptions } from "./event-stream.js";

export async function pullImage(
  api: DockerDialer,
  image: string,
  opts: { signal?: AbortSignal } = {},
): Promise<void> {
  const { repository, tag } = splitImage(image);
  const { auth, note } = loadRegistryAuth(image);
  const withNote = (e: Error): Error => {
    if (note) e.message += ` (${note})`;
    return e;
  };
  let stream: NodeJS.ReadableStream;
  try {
    stream = await api.dial<NodeJS.ReadableStream>(
      "pull",
      image,
      {
        method: "POST",
        path: "/images/create",
        query: { fromImage: repository, tag },
        isStream: true,
        ...(auth ? { authconfig: { ...auth } } : {}),
      },
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
    if (e instanceof PullFailedError)
      throw withNote(new DockerApiError(`pull ${image}: ${message}`, 0, message, { cause: e }));
    throw new EngineUnavailableError(
      `pull ${image}: the progress stream from Docker at ${api.endpoint} was cut: ${message}`,
      "ECONNRESET",
      { cause: e },
    );
  }
}

export function watchPilotEvents(
  api: DockerDialer,
  eventBackoff: Pick<EventStreamOptions, "initialDelayMs" | "maxDelayMs"> | undefined,
  labels: Record<string, string>,
  onEvent: (e: PilotEvent) => void,
  onState?: (connected: boolean, err?: Error) => void,
): EventWatch {
  const filters = JSON.stringify({
    type: ["container"],
    ...(Object.keys(labels).length > 0 ? { label: labelFilter(labels) } : {}),
  });
  const open = (since: string | undefined, signal: AbortSignal) =>
    api.dial<NodeJS.ReadableStream>(
      "events",
      undefined,
      { method: "GET", path: "/events", query: { filters, ...(since ? { since } : {}) }, isStream: true },
      { timeout: "headers", signal },
    );
  // A lost stream is Docker going away (or restarting): say so in our terms.
  const report = onState
    ? (connected: boolean, err?: Error) => {
        if (connected || err instanceof EngineUnavailableError || err instanceof DockerApiError)
          return onState(connected, err);
        const why = err ? err.message : "closed";
        return onState(
          false,
          new EngineUnavailableError(
            `events: the stream from Docker at ${api.endpoint} was lost: ${why}`,
            "ECONNRESET",
            { cause: err },
          ),
        );
      }
    : undefined;
  return watchEventStream(open, onEvent, report, { ...eventBackoff });
}

export async function pilotLogs(
  api: DockerDialer,
  id: string,
  opts: { follow: boolean; tail?: number },
): Promise<NodeJS.ReadableStream> {
  const ctl = new AbortController();
  const raw = await api.dial<NodeJS.ReadableStream & { destroy(): void }>(
    "logs",
    id,
    {
      method: "GET",
      path: `/containers/${encodeURIComponent(id)}/logs`,
      query: {
        follow: opts.follow,
        stdout: true,
        stderr: true,
        tail: opts.tail === undefined ? "all" : String(opts.tail),
      },
      isStream: true,
    },
    { timeout: "headers", signal: ctl.signal },
  );
  const out = new PassThrough();
  api.docker.modem.demuxStream(raw, out, out);
  raw.on("end", () => out.end());
  raw.on("error", (e: Error) => out.destroy(e));
  // The reader gave up: end the request (a follow would otherwise stay open).
  out.on("close", () => {
    if (!out.writableFinished) ctl.abort();
    raw.destroy();
  });
  return out;
}
