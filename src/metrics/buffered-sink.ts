// The buffered sender behind every sink: a bounded ring of lines, batches sent by a
// timer, one request in flight, capped exponential backoff with jitter on failure,
// a bounded final flush. The network is behind a Transport, time behind Timers and a
// clock (sink-options.ts), so the whole state machine runs in unit tests without waiting.
import { backoffDelayMs } from "./backoff.js";
import type { SendOutcome, Transport } from "./influx-transport.js";
import { toLine } from "./line-protocol.js";
import { RingBuffer } from "./ring-buffer.js";
import { checkSinkOptions, type SinkOptions } from "./sink-options.js";
import type { MetricsSink, SinkStats } from "./metric-types.js";

const MAX_REMEMBERED_ERRORS = 100;

export function createBufferedSink(transport: Transport, opts: SinkOptions): MetricsSink {
  const {
    maxBuffered,
    batchSize,
    flushIntervalMs,
    minRetryMs,
    maxRetryMs,
    random,
    clock,
    timers,
    defaultTags,
  } = checkSinkOptions(opts);

  const ring = new RingBuffer(maxBuffered);
  // The batch taken from the ring: in flight, or waiting for its retry. pending[pendingStart..] are live.
  let pending: string[] | null = null;
  let pendingStart = 0;
  // Overflow while a batch is in flight: that many of its oldest points go if it fails (kept if it succeeds).
  let owed = 0;
  let inFlight: AbortController | null = null;
  let timer: unknown = null;
  let timerIsBackoff = false;
  let failures = 0;
  let nextAttemptAtMs = 0;
  let closing: Promise<void> | null = null;
  let leftover: string[] = [];
  let stopped = false;
  const waiters = new Set<() => void>();
  const reported = new Set<string>(); // transport errors since the last success
  const reportedInvalid = new Set<string>(); // invalid points: reported once for good
  const stats: SinkStats & { rejected: number } = {
    target: transport.description,
    buffered: 0,
    delivered: 0,
    dropped: 0,
    rejected: 0,
    retries: 0,
  };

  const pendingLive = (): number => (pending === null ? 0 : pending.length - pendingStart);
  const buffered = (): number => ring.size + pendingLive();

  function report(message: string, seen: Set<string> = reported): void {
    stats.lastError = message;
    stats.lastErrorAtMs = clock();
    if (seen.has(message)) return;
    if (seen.size >= MAX_REMEMBERED_ERRORS) seen.clear();
    seen.add(message);
    safeCall(opts.onError, message);
  }

  function schedule(delayMs: number, isBackoff: boolean): void {
    if (stopped) return;
    if (timer !== null) timers.clearTimeout(timer);
    timerIsBackoff = isBackoff;
    timer = timers.setTimeout(pump, Math.max(0, delayMs));
  }

  /** Makes room for one more point; false when the new point itself must go. */
  function makeRoom(): boolean {
    if (ring.size + pendingLive() - owed < maxBuffered) return true;
    stats.dropped++;
    if (inFlight !== null && owed < pendingLive()) owed++;
    else if (inFlight === null && pendingLive() > 0) {
      pendingStart++;
      if (pendingLive() === 0) pending = null;
    } else if (ring.size > 0) ring.shift();
    else return false;
    return true;
  }

  function enqueue(lines: readonly string[]): void {
    if (closing !== null) {
      stats.dropped += lines.length;
      return;
    }
    for (const line of lines) if (makeRoom()) ring.push(line);
    if (inFlight !== null) return;
    if (timer === null) schedule(buffered() >= batchSize ? 0 : flushIntervalMs, false);
    else if (!timerIsBackoff && buffered() >= batchSize) schedule(0, false);
  }

  function pump(): void {
    timer = null;
    if (stopped || inFlight !== null) return;
    if (pending === null) {
      if (ring.size === 0) {
        settleWaiters();
        return;
      }
      pending = ring.take(batchSize);
      pendingStart = 0;
    }
    const now = clock();
    if (now < nextAttemptAtMs) {
      schedule(nextAttemptAtMs - now, true);
      return;
    }
    const batch = pendingStart === 0 ? pending : pending.slice(pendingStart);
    const controller = new AbortController();
    inFlight = controller;
    let outcome: Promise<SendOutcome>;
    try {
      outcome = transport.send(batch.join("\n"), controller.signal);
    } catch (e) {
      outcome = Promise.resolve({ kind: "retry", message: `${transport.description}: ${errorMessage(e)}` });
    }
    outcome.then(
      (o) => settle(controller, o),
      (e: unknown) =>
        settle(controller, { kind: "retry", message: `${transport.description}: ${errorMessage(e)}` }),
    );
  }

  function settle(controller: AbortController, outcome: SendOutcome): void {
    if (stopped || inFlight !== controller) return;
    inFlight = null;
    const n = pendingLive();
    if (outcome.kind === "ok") {
      stats.delivered += n;
      stats.dropped -= owed; // the overflow it owed was delivered after all
      stats.lastSuccessAtMs = clock();
      pending = null;
      owed = 0;
      nextAttemptAtMs = 0;
      if (failures > 0 || reported.size > 0) {
        const last = stats.lastError ?? "";
        reported.clear();
        if (failures > 0)
          safeCall(
            opts.onRecover,
            `${transport.description}: delivering again after ${failures} failed attempt(s) (last ` +
              `error: ${last})`,
          );
      }
      failures = 0;
    } else if (outcome.kind === "reject") {
      // The data itself is refused: drop the batch so one bad point cannot block the queue.
      stats.dropped += n - owed; // the owed ones were counted when they overflowed
      stats.rejected += n;
      pending = null;
      owed = 0;
      report(`${outcome.message} (${n} point(s) dropped)`);
    } else {
      stats.retries++;
      failures++;
      // The oldest points of the batch make the room the overflow asked for (counted then).
      pendingStart += Math.min(owed, n);
      if (pendingLive() === 0) pending = null;
      owed = 0;
      report(outcome.message);
      const delay = Math.min(
        maxRetryMs,
        Math.max(backoffDelayMs(failures, minRetryMs, maxRetryMs, random), outcome.retryAfterMs ?? 0),
      );
      nextAttemptAtMs = clock() + delay;
    }
    if (pending !== null) schedule(nextAttemptAtMs - clock(), true);
    else if (ring.size > 0) {
      const waitMs = nextAttemptAtMs - clock();
      if (waitMs > 0) schedule(waitMs, true);
      else schedule(ring.size >= batchSize || waiters.size > 0 ? 0 : flushIntervalMs, false);
    } else settleWaiters();
  }

  function settleWaiters(): void {
    if (buffered() > 0 || inFlight !== null) return;
    for (const w of [...waiters]) w();
  }

  function flush(timeoutMs: number): Promise<void> {
    if (stopped || (buffered() === 0 && inFlight === null)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        waiters.delete(done);
        timers.clearTimeout(deadline);
        resolve();
      };
      const deadline = timers.setTimeout(done, Math.max(0, timeoutMs));
      waiters.add(done);
      // Send now: neither the flush interval nor a pending backoff delays a requested flush.
      if (inFlight === null) {
        nextAttemptAtMs = 0;
        schedule(0, false);
      }
    });
  }

  return {
    write(points) {
      try {
        const lines: string[] = [];
        for (const point of points) {
          try {
            lines.push(toLine(point, defaultTags));
          } catch (e) {
            stats.dropped++;
            stats.rejected++;
            report(`invalid point: ${errorMessage(e)}`, reportedInvalid);
          }
        }
        enqueue(lines);
      } catch (e) {
        report(`write failed: ${errorMessage(e)}`);
      }
    },
    writeLines(lines) {
      try {
        enqueue(lines);
      } catch (e) {
        report(`write failed: ${errorMessage(e)}`);
      }
    },
    flush,
    close(timeoutMs) {
      if (closing !== null) return closing;
      closing = flush(timeoutMs).then(() => {
        stopped = true;
        if (timer !== null) timers.clearTimeout(timer);
        timer = null;
        inFlight?.abort();
        inFlight = null;
        const lost = buffered();
        if (lost > 0) {
          stats.dropped += lost;
          stats.lastError = `${transport.description}: closed with ${lost} point(s) not delivered`;
          stats.lastErrorAtMs = clock();
          safeCall(opts.onError, stats.lastError);
        }
        leftover = [...(pending?.slice(pendingStart) ?? []), ...ring.take(ring.size)];
        pending = null;
        for (const w of [...waiters]) w();
        transport.close();
      });
      return closing;
    },
    unsent: () => leftover,
    stats() {
      return { ...stats, buffered: buffered() };
    },
  };
}

function safeCall(fn: ((msg: string) => void) | undefined, msg: string): void {
  try {
    fn?.(msg);
  } catch {
    // a logging callback must not break the sender
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
