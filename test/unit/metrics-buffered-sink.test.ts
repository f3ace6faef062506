import assert from "node:assert/strict";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { describe, it } from "node:test";
import { backoffDelayMs } from "../../src/metrics/backoff.js";
import { classify } from "../../src/metrics/influx-transport.js";
import {
  createBufferedSink,
  type MetricPoint,
  type SendOutcome,
  type SinkOptions,
  type Timers,
  type Transport,
} from "../../src/metrics/index.js";

const T0 = 1_700_000_000_000;

/** Steppable time: timers fire only in advance(), in order, with the clock moved to their due time. */
class FakeTime {
  now = T0;
  private seq = 0;
  private queue: { at: number; seq: number; fn: () => void }[] = [];
  readonly clock = (): number => this.now;
  readonly timers: Timers = {
    setTimeout: (fn, ms) => {
      const entry = { at: this.now + ms, seq: this.seq++, fn };
      this.queue.push(entry);
      return entry;
    },
    clearTimeout: (handle) => {
      this.queue = this.queue.filter((e) => e !== handle);
    },
  };

  /** Runs every timer due within ms, letting promises settle in between. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      await settle();
      this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.queue[0];
      if (next === undefined || next.at > end) break;
      this.queue.shift();
      this.now = Math.max(this.now, next.at);
      next.fn();
    }
    this.now = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  await nextMacrotask();
}

/** Records every batch; answers with `answer` (or holds the request until released). */
class FakeTransport implements Transport {
  readonly description = "fake://influx#db";
  sent: { atMs: number; lines: string[] }[] = [];
  answer: (callIndex: number) => SendOutcome | "hang" = () => ({ kind: "ok" });
  closed = false;
  private held: ((o: SendOutcome) => void)[] = [];
  constructor(private readonly time: FakeTime) {}
  send(body: string): Promise<SendOutcome> {
    this.sent.push({ atMs: this.time.now, lines: body.split("\n") });
    const a = this.answer(this.sent.length - 1);
    if (a === "hang") return new Promise((resolve) => this.held.push(resolve));
    return Promise.resolve(a);
  }
  release(outcome: SendOutcome): void {
    for (const r of this.held.splice(0)) r(outcome);
  }
  close(): void {
    this.closed = true;
  }
  /** Timestamps of every line delivered, in order. */
  timestamps(): number[] {
    return this.sent.flatMap((b) => b.lines.map((l) => Number(l.split(" ").pop())));
  }
}

const point = (i: number, timeMs = T0 + i): MetricPoint => ({
  measurement: "tick",
  tags: { n: String(i) },
  fields: { started: i },
  timeMs,
});
const down: SendOutcome = { kind: "retry", message: "fake://influx#db: connect ECONNREFUSED 127.0.0.1:1" };

function setup(opts: Partial<SinkOptions> = {}) {
  const time = new FakeTime();
  const transport = new FakeTransport(time);
  const errors: string[] = [];
  const recovered: string[] = [];
  const sink = createBufferedSink(transport, {
    maxBufferedPoints: 200_000,
    clock: time.clock,
    timers: time.timers,
    random: () => 0.5,
    onError: (m) => errors.push(m),
    onRecover: (m) => recovered.push(m),
    ...opts,
  });
  return { time, transport, sink, errors, recovered };
}

describe("buffered sink: batching", () => {
  it("write() sends nothing synchronously; points wait for the flush interval", async () => {
    const { time, transport, sink } = setup({ flushIntervalMs: 1000, batchSize: 100 });
    sink.write([point(1), point(2), point(3)]);
    assert.equal(transport.sent.length, 0, "no I/O inside write()");
    await time.advance(999);
    assert.equal(transport.sent.length, 0);
    await time.advance(1);
    assert.deepEqual(
      transport.sent.map((b) => b.lines.length),
      [3],
    );
    assert.deepEqual(sink.stats(), {
      target: "fake://influx#db",
      buffered: 0,
      delivered: 3,
      dropped: 0,
      rejected: 0,
      retries: 0,
      lastSuccessAtMs: T0 + 1000,
    });
  });

  it("a full batch goes at once, in batches of batchSize, the rest after the interval", async () => {
    const { time, transport, sink } = setup({ flushIntervalMs: 1000, batchSize: 5 });
    sink.write(Array.from({ length: 12 }, (_, i) => point(i)));
    await time.advance(0);
    assert.deepEqual(
      transport.sent.map((b) => [b.atMs - T0, b.lines.length]),
      [
        [0, 5],
        [0, 5],
      ],
    );
    await time.advance(1000);
    assert.deepEqual(
      transport.sent.map((b) => [b.atMs - T0, b.lines.length]),
      [
        [0, 5],
        [0, 5],
        [1000, 2],
      ],
    );
    assert.deepEqual(
      transport.timestamps(),
      Array.from({ length: 12 }, (_, i) => T0 + i),
      "in order, original timestamps",
    );
  });

  it("one request in flight at a time", async () => {
    const { time, transport, sink } = setup({ flushIntervalMs: 100, batchSize: 2 });
    transport.answer = () => "hang";
    sink.write([point(1), point(2), point(3), point(4)]);
    await time.advance(5000);
    assert.equal(transport.sent.length, 1);
    transport.answer = () => ({ kind: "ok" });
    transport.release({ kind: "ok" });
    await time.advance(0);
    assert.equal(transport.sent.length, 2);
    assert.equal(sink.stats().delivered, 4);
  });
});

describe("buffered sink: outages", () => {
  it("backs off exponentially with jitter, capped, and delivers with the original timestamps", async () => {
    const { time, transport, sink, errors, recovered } = setup({
      flushIntervalMs: 1000,
      minRetryMs: 1000,
      maxRetryMs: 8000,
      random: () => 1,
    });
    transport.answer = () => down;
    sink.write([point(1, T0 - 5)]);
    await time.advance(1000 + 1000 + 2000 + 4000 + 8000 + 8000 + 8000);
    const attempts = transport.sent.map((b) => b.atMs - T0);
    assert.deepEqual(
      attempts,
      [1000, 2000, 4000, 8000, 16000, 24000, 32000],
      "gaps 1, 2, 4, 8 s then capped at 8 s",
    );
    for (let i = 2; i < 6; i++) sink.write([point(i, T0 + 10_000 * i)]);
    assert.equal(sink.stats().retries, 7);
    assert.equal(sink.stats().buffered, 5);
    transport.answer = () => ({ kind: "ok" });
    await time.advance(8000 + 1000);
    const afterRecovery = transport.sent
      .slice(-2)
      .flatMap((b) => b.lines.map((l) => Number(l.split(" ").pop())));
    assert.deepEqual(afterRecovery, [T0 - 5, T0 + 20_000, T0 + 30_000, T0 + 40_000, T0 + 50_000]);
    assert.equal(sink.stats().delivered, 5);
    assert.equal(errors.length, 1, "one message for the whole outage");
    assert.equal(recovered.length, 1);
    assert.match(recovered[0] ?? "", /delivering again after 7 failed attempt\(s\)/);
  });

  it("backoffDelayMs stays within [max(min, ceiling/2), ceiling] and the ceiling is capped", () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(60_000, 1000 * 2 ** (attempt - 1));
      for (const r of [0, 0.25, 0.5, 0.999, 1]) {
        const d = backoffDelayMs(attempt, 1000, 60_000, () => r);
        assert.ok(d >= Math.max(1000, ceiling / 2) && d <= ceiling, `attempt ${attempt} r ${r}: ${d}`);
      }
    }
    assert.equal(
      backoffDelayMs(1, 1000, 60_000, () => 0),
      1000,
    );
    assert.equal(
      backoffDelayMs(3, 1000, 60_000, () => 0),
      2000,
    );
    assert.equal(
      backoffDelayMs(3, 1000, 60_000, () => 1),
      4000,
    );
    assert.equal(
      backoffDelayMs(1000, 1000, 60_000, () => 1),
      60_000,
    );
    assert.equal(
      backoffDelayMs(1000, 1000, 60_000, () => 0),
      30_000,
    );
  });

  it("honours Retry-After (429), within maxRetryMs", async () => {
    const { time, transport, sink } = setup({ minRetryMs: 1000, maxRetryMs: 60_000 });
    transport.answer = (i) =>
      i === 0 ? { kind: "retry", message: "429", retryAfterMs: 30_000 } : { kind: "ok" };
    sink.write([point(1)]);
    await time.advance(1000);
    await time.advance(29_999);
    assert.equal(transport.sent.length, 1);
    await time.advance(1);
    assert.equal(transport.sent.length, 2);
  });

  it("when full, drops the oldest first and counts them", async () => {
    const { time, transport, sink } = setup({ maxBufferedPoints: 10, batchSize: 4 });
    transport.answer = () => down;
    for (let i = 0; i < 25; i++) {
      sink.write([point(i)]);
      await time.advance(100);
    }
    assert.equal(sink.stats().buffered, 10);
    assert.equal(sink.stats().dropped, 15);
    transport.answer = () => ({ kind: "ok" });
    const flushed = sink.flush(1000);
    await time.advance(0);
    await flushed;
    const delivered = transport.sent.slice(-3).flatMap((b) => b.lines.map((l) => Number(l.split(" ").pop())));
    assert.deepEqual(
      delivered,
      Array.from({ length: 10 }, (_, i) => T0 + 15 + i),
      "the 10 newest survive, in order",
    );
    assert.deepEqual(
      { ...sink.stats(), lastErrorAtMs: 0, lastSuccessAtMs: 0, lastError: "" },
      {
        target: "fake://influx#db",
        buffered: 0,
        delivered: 10,
        dropped: 15,
        rejected: 0,
        retries: sink.stats().retries,
        lastError: "",
        lastErrorAtMs: 0,
        lastSuccessAtMs: 0,
      },
    );
  });

  it("overflow during a request: the batch in flight pays if it fails, is kept if it succeeds", async () => {
    for (const result of ["fails", "succeeds"] as const) {
      const { time, transport, sink } = setup({ maxBufferedPoints: 10, batchSize: 5 });
      transport.answer = () => "hang";
      sink.write(Array.from({ length: 10 }, (_, i) => point(i)));
      await time.advance(0); // points 0..4 in flight, 5..9 in the ring
      assert.equal(transport.sent.length, 1);
      sink.write(Array.from({ length: 7 }, (_, i) => point(10 + i)));
      assert.equal(sink.stats().dropped, 7);
      transport.answer = () => ({ kind: "ok" });
      transport.release(result === "fails" ? down : { kind: "ok" });
      await time.advance(2000);
      const flushed = sink.flush(1000);
      await time.advance(0);
      await flushed;
      const got = transport.sent.slice(1).flatMap((b) => b.lines.map((l) => Number(l.split(" ").pop()) - T0));
      if (result === "fails") {
        assert.deepEqual(got, [7, 8, 9, 10, 11, 12, 13, 14, 15, 16], "0..6 dropped: the oldest");
        assert.equal(sink.stats().dropped, 7);
        assert.equal(sink.stats().delivered, 10);
      } else {
        assert.deepEqual(got, [7, 8, 9, 10, 11, 12, 13, 14, 15, 16], "0..4 delivered, 5 and 6 dropped");
        assert.equal(sink.stats().dropped, 2);
        assert.equal(sink.stats().delivered, 15);
      }
    }
  });

  it("a batch refused with a 4xx is dropped and reported; the queue moves on", async () => {
    const { time, transport, sink, errors } = setup({ batchSize: 2, flushIntervalMs: 10 });
    transport.answer = (i) =>
      i === 0
        ? { kind: "reject", message: "fake://influx#db: HTTP 400: partial write: field type conflict" }
        : { kind: "ok" };
    sink.write([point(1), point(2), point(3)]);
    await time.advance(100);
    assert.deepEqual(
      transport.sent.map((b) => b.lines.length),
      [2, 1],
    );
    const s = sink.stats();
    assert.equal(s.dropped, 2);
    assert.equal(s.rejected, 2);
    assert.equal(s.delivered, 1);
    assert.equal(s.retries, 0);
    assert.deepEqual(errors, [
      "fake://influx#db: HTTP 400: partial write: field type conflict (2 point(s) dropped)",
    ]);
    assert.match(s.lastError ?? "", /field type conflict/);
  });

  it("onError is called once per distinct message, and again for a new outage after a success", async () => {
    const { time, transport, sink, errors } = setup({ minRetryMs: 10, maxRetryMs: 10 });
    const other: SendOutcome = { kind: "retry", message: "fake://influx#db: no answer within 10000 ms" };
    const script: SendOutcome[] = [
      down,
      down,
      down,
      other,
      down,
      other,
      down,
      { kind: "ok" },
      down,
      down,
      { kind: "ok" },
    ];
    transport.answer = (i) => script[i] ?? { kind: "ok" };
    sink.write([point(1)]);
    await time.advance(2000);
    for (let i = 0; i < 3; i++) {
      sink.write([point(10 + i)]);
      await time.advance(2000);
    }
    assert.equal(transport.sent.length, script.length + 2, "the last two writes went through at once");
    assert.deepEqual(errors, [down.message, other.message, down.message]);
    assert.equal(sink.stats().retries, 9);
    assert.equal(sink.stats().delivered, 4);
  });
});

describe("buffered sink: never blocks, never throws, bounded close", () => {
  it("invalid points are counted and reported once; a throwing transport is a retry", async () => {
    const { time, transport, sink, errors } = setup();
    const bad: MetricPoint = { measurement: "tick", tags: {}, fields: { duration_ms: NaN }, timeMs: T0 };
    sink.write([bad, point(1), bad]);
    assert.equal(sink.stats().dropped, 2);
    assert.deepEqual(errors, ["invalid point: tick: no field with a writable value"]);
    transport.send = () => {
      throw new Error("boom");
    };
    await time.advance(1000);
    assert.equal(sink.stats().retries, 1);
    assert.match(errors[1] ?? "", /boom/);
    assert.doesNotThrow(() => sink.write([null as unknown as MetricPoint]));
  });

  it("flush() sends now, without waiting for the interval", async () => {
    const { time, transport, sink } = setup({ flushIntervalMs: 60_000 });
    sink.write([point(1)]);
    const flushed = sink.flush(1000);
    await time.advance(0);
    await flushed;
    assert.equal(transport.sent.length, 1);
    assert.equal(time.now, T0);
  });

  it("close() delivers what it can, then stops: later writes are counted as dropped", async () => {
    const { time, transport, sink } = setup();
    sink.write([point(1), point(2)]);
    const closed = sink.close(5000);
    await time.advance(0);
    await closed;
    assert.equal(sink.stats().delivered, 2);
    assert.equal(transport.closed, true);
    sink.write([point(3)]);
    await time.advance(10_000);
    assert.equal(transport.sent.length, 1);
    assert.equal(sink.stats().dropped, 1);
  });

  it("close() is bounded by its timeout when the target hangs, and counts what is lost", async () => {
    const { time, transport, sink, errors } = setup();
    transport.answer = () => "hang";
    sink.write([point(1), point(2), point(3)]);
    let done = false;
    const closed = sink.close(2000).then(() => {
      done = true;
    });
    await time.advance(1999);
    assert.equal(done, false);
    await time.advance(1);
    await closed;
    assert.equal(done, true);
    assert.equal(sink.stats().dropped, 3);
    assert.equal(sink.stats().buffered, 0);
    assert.match(errors.at(-1) ?? "", /closed with 3 point\(s\) not delivered/);
    transport.release({ kind: "ok" }); // a late answer changes nothing
    await time.advance(0);
    assert.equal(sink.stats().delivered, 0);
  });

  it("timers are unref()'d by default: an idle or failing sink does not keep a process alive", async () => {
    const { realTimers } = await import("../../src/metrics/index.js");
    const h = realTimers.setTimeout(() => undefined, 60_000) as ReturnType<typeof setTimeout>;
    assert.equal(h.hasRef(), false);
    realTimers.clearTimeout(h);
  });
});

describe("transport outcome of an HTTP answer", () => {
  const res = (status: number, body = "", headers: Record<string, string> = {}) => ({
    status,
    body,
    headers,
  });
  it("2xx ok; 5xx, 401, 403, 404, 408, 429 and network errors retry; other 4xx reject", () => {
    assert.deepEqual(classify(res(204), "t"), { kind: "ok" });
    for (const s of [500, 502, 503, 401, 403, 404, 408, 429])
      assert.equal(classify(res(s), "t").kind, "retry", String(s));
    for (const s of [400, 413, 422]) assert.equal(classify(res(s), "t").kind, "reject", String(s));
    assert.deepEqual(classify(new Error("connect ECONNREFUSED 127.0.0.1:9"), "t"), {
      kind: "retry",
      message: "t: connect ECONNREFUSED 127.0.0.1:9",
    });
    assert.deepEqual(classify(res(400, '{"error":"unable to parse"}'), "t"), {
      kind: "reject",
      message: "t: HTTP 400: unable to parse",
    });
    assert.deepEqual(classify(res(429, "slow down", { "retry-after": "7" }), "t"), {
      kind: "retry",
      message: "t: HTTP 429: slow down",
      retryAfterMs: 7000,
    });
  });
});
