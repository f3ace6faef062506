// Watching Docker's event stream with reconnect. The stream itself comes from an
// injected `open` function (docker-engine.ts gives the real one; tests give fakes),
// and so do the timers, so the backoff is tested without sleeping.
//
// After the stream ends or fails (dockerd restarted), it is opened again after a
// capped, doubling delay (0.5 s, 1 s, 2 s, ... 10 s), asking Docker for the events
// `since` the last one seen, so none is missed while Docker kept them; an event seen
// twice across a reconnect is delivered once.
import { StringDecoder } from "node:string_decoder";
import type { PilotEvent } from "./engine.js";

/** Opens the stream; `since` is Docker's "seconds.nanoseconds" or undefined for "from now". */
export type OpenEventStream = (
  since: string | undefined,
  signal: AbortSignal,
) => Promise<NodeJS.ReadableStream>;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface EventStreamOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  /**
   * A connection that lasted this long (or brought an event) starts the backoff again from initialDelayMs.
   */
  stableMs?: number;
  now?: () => number;
  timers?: Timers;
}

const DEFAULT_INITIAL_DELAY_MS = 500;
const DEFAULT_MAX_DELAY_MS = 10_000;

/** The delay before reconnect attempt number `attempt` (0-based): initial * 2^attempt, capped. */
export function backoffDelayMs(
  attempt: number,
  initialDelayMs = DEFAULT_INITIAL_DELAY_MS,
  maxDelayMs = DEFAULT_MAX_DELAY_MS,
): number {
  return Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt, 30));
}

/** Nanoseconds since the epoch as Docker's `since`: "1700000000.123456789". */
export function formatSince(timeNano: bigint): string {
  const seconds = timeNano / 1_000_000_000n;
  const nanos = timeNano % 1_000_000_000n;
  return `${seconds}.${nanos.toString().padStart(9, "0")}`;
}

/** One line of Docker's event stream, with its exact timeNano (JSON numbers lose it). */
export interface ParsedEvent {
  event: PilotEvent;
  timeNano: bigint;
}

/** Parses one NDJSON line of /events; undefined for lines that are not container events. */
export function parseEventLine(line: string): ParsedEvent | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== "object" || raw === null) return undefined;
  const ev = raw as {
    Type?: string;
    Action?: string;
    status?: string;
    id?: string;
    Actor?: { ID?: string; Attributes?: Record<string, string> };
    time?: number;
  };
  if (ev.Type !== undefined && ev.Type !== "container") return undefined;
  const id = ev.Actor?.ID ?? ev.id;
  const action = ev.Action ?? ev.status;
  if (!id || !action) return undefined;
  const nanoMatch = /"timeNano"\s*:\s*(\d+)/.exec(line);
  const timeNano = nanoMatch?.[1] ? BigInt(nanoMatch[1]) : BigInt(Math.round((ev.time ?? 0) * 1e9));
  const event: PilotEvent = { id, action, timeMs: Number(timeNano / 1_000_000n) };
  const attrs = ev.Actor?.Attributes ?? {};
  if (attrs["exitCode"] !== undefined && /^-?\d+$/.test(attrs["exitCode"]))
    event.exitCode = Number(attrs["exitCode"]);
  if (attrs["name"]) event.name = attrs["name"].replace(/^\//, "");
  return { event, timeNano };
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export function watchEventStream(
  open: OpenEventStream,
  onEvent: (e: PilotEvent) => void,
  onState: ((connected: boolean, err?: Error) => void) | undefined,
  opts: EventStreamOptions = {},
): { close(): void } {
  const initialDelayMs = opts.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS;
  const maxDelayMs = opts.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const stableMs = opts.stableMs ?? maxDelayMs;
  const now = opts.now ?? Date.now;
  const timers = opts.timers ?? realTimers;

  let closed = false;
  let attempt = 0;
  let timer: unknown;
  let controller: AbortController | undefined;
  let current: NodeJS.ReadableStream | undefined;
  /** False once a loss has been reported, until the next connection. */
  let upReported = false;
  let downReported = false;
  /** The newest event delivered, and the keys of those delivered at exactly that time. */
  let lastTimeNano: bigint | undefined;
  let keysAtLast = new Set<string>();
  /** Local time of the last successful connection, for `since` when no event came yet. */
  let lastConnectedMs: number | undefined;

  function since(): string | undefined {
    if (lastTimeNano !== undefined) return formatSince(lastTimeNano);
    if (lastConnectedMs !== undefined) return formatSince(BigInt(lastConnectedMs) * 1_000_000n);
    return undefined;
  }

  function deliver(parsed: ParsedEvent): void {
    const key = `${parsed.event.id}|${parsed.event.action}`;
    if (lastTimeNano !== undefined) {
      if (parsed.timeNano < lastTimeNano) return; // replayed by `since`, seen already
      if (parsed.timeNano === lastTimeNano && keysAtLast.has(key)) return;
    }
    if (lastTimeNano === undefined || parsed.timeNano > lastTimeNano) {
      lastTimeNano = parsed.timeNano;
      keysAtLast = new Set();
    }
    keysAtLast.add(key);
    onEvent(parsed.event);
  }

  function lost(err: Error | undefined, connectedAtMs: number | undefined, gotEvent: boolean): void {
    if (closed) return;
    if (connectedAtMs !== undefined && (gotEvent || now() - connectedAtMs >= stableMs)) attempt = 0;
    if (!downReported) {
      downReported = true;
      upReported = false;
      onState?.(false, err ?? new Error("Docker closed the event stream"));
    }
    const delay = backoffDelayMs(attempt, initialDelayMs, maxDelayMs);
    attempt++;
    timer = timers.setTimeout(() => {
      timer = undefined;
      connect();
    }, delay);
  }

  function connect(): void {
    if (closed) return;
    const ctl = new AbortController();
    controller = ctl;
    open(since(), ctl.signal).then(
      (stream) => {
        if (closed || ctl.signal.aborted) {
          destroy(stream);
          return;
        }
        current = stream;
        const connectedAtMs = now();
        lastConnectedMs = connectedAtMs;
        downReported = false;
        if (!upReported) {
          upReported = true;
          onState?.(true);
        }
        let ended = false;
        let gotEvent = false;
        let pending = "";
        const decoder = new StringDecoder("utf8");
        const finish = (err?: Error) => {
          if (ended) return;
          ended = true;
          stream.removeListener("data", onData);
          if (current === stream) current = undefined;
          destroy(stream);
          if (!ctl.signal.aborted) lost(err, connectedAtMs, gotEvent);
        };
        const onData = (chunk: Buffer | string) => {
          pending += typeof chunk === "string" ? chunk : decoder.write(chunk);
          let nl: number;
          while ((nl = pending.indexOf("\n")) >= 0) {
            const line = pending.slice(0, nl).trim();
            pending = pending.slice(nl + 1);
            if (line === "" || ended || closed) continue;
            const parsed = parseEventLine(line);
            if (parsed) {
              gotEvent = true;
              deliver(parsed);
            }
          }
        };
        stream.on("data", onData);
        stream.on("end", () => finish());
        stream.on("close", () => finish());
        stream.on("error", (e: Error) => finish(e));
      },
      (err: unknown) => {
        if (closed || ctl.signal.aborted) return;
        lost(err instanceof Error ? err : new Error(String(err)), undefined, false);
      },
    );
  }

  connect();
  return {
    close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      controller?.abort();
      if (current) destroy(current);
      current = undefined;
    },
  };
}

function destroy(stream: NodeJS.ReadableStream): void {
  const s = stream as NodeJS.ReadableStream & { destroy?: () => void };
  if (typeof s.destroy === "function") s.destroy();
}
