import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import {
  backoffDelayMs,
  formatSince,
  parseEventLine,
  watchEventStream,
  type Timers,
} from "../../src/runtime/event-stream.js";
import type { PilotEvent } from "../../src/runtime/engine.js";

const flush = () => new Promise<void>((r) => setImmediate(r));

/** Timers the test runs by hand: nothing waits for real time. */
class FakeTimers implements Timers {
  pending: { fn: () => void; ms: number; handle: number }[] = [];
  private next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const handle = this.next++;
    this.pending.push({ fn, ms, handle });
    return handle;
  }
  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter((t) => t.handle !== handle);
  }
  /** Runs the only pending timer and returns its delay. */
  fire(): number {
    assert.equal(this.pending.length, 1, "exactly one reconnect is scheduled");
    const t = this.pending.shift()!;
    t.fn();
    return t.ms;
  }
}

/** An `open` whose outcome the test decides, attempt by attempt. */
class FakeDocker {
  calls: (string | undefined)[] = [];
  signals: AbortSignal[] = [];
  streams: PassThrough[] = [];
  failWith: Error | undefined;
  /** When set, the next open waits until the test calls release(stream). */
  holdNext = false;
  release: ((s: PassThrough) => void) | undefined;
  open = async (since: string | undefined, signal: AbortSignal): Promise<NodeJS.ReadableStream> => {
    this.calls.push(since);
    this.signals.push(signal);
    if (this.holdNext) return new Promise((r) => (this.release = r));
    if (this.failWith) throw this.failWith;
    const s = new PassThrough();
    this.streams.push(s);
    return s;
  };
  get stream(): PassThrough {
    return this.streams[this.streams.length - 1]!;
  }
}

function line(id: string, action: string, timeNano: bigint, attrs: Record<string, string> = {}): string {
  return `{"status":"${action}","id":"${id}","Type":"container","Action":"${action}","Actor":{"ID":"${id}","Attributes":${JSON.stringify({ name: "p-" + id, ...attrs })}},"time":${timeNano / 1_000_000_000n},"timeNano":${timeNano}}\n`;
}

describe("backoffDelayMs", () => {
  it("doubles from 0.5 s and stays at 10 s", () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 50].map((a) => backoffDelayMs(a)),
      [500, 1000, 2000, 4000, 8000, 10000, 10000, 10000],
    );
  });
});

describe("formatSince and parseEventLine", () => {
  it("formats nanoseconds as Docker's seconds.nanoseconds", () => {
    assert.equal(formatSince(1795436685008253283n), "1795436685.008253283");
    assert.equal(formatSince(1795436685000000007n), "1795436685.000000007");
  });
  it("parses a die event with its exit code, name and exact time", () => {
    const p = parseEventLine(line("abc", "die", 1795436685008253283n, { exitCode: "3" }).trim())!;
    assert.equal(p.timeNano, 1795436685008253283n);
    assert.deepEqual(p.event, {
      id: "abc",
      action: "die",
      exitCode: 3,
      name: "p-abc",
      timeMs: 1795436685008,
    });
  });
  it("ignores other event types and lines that are not JSON", () => {
    assert.equal(
      parseEventLine('{"Type":"network","Action":"connect","Actor":{"ID":"n"},"timeNano":1}'),
      undefined,
    );
    assert.equal(parseEventLine("not json"), undefined);
    assert.equal(parseEventLine('{"Type":"container"}'), undefined);
  });
});

describe("watchEventStream", () => {
  it("delivers events, reconnects with capped backoff and `since`, reports each loss once", async () => {
    const docker = new FakeDocker();
    const timers = new FakeTimers();
    const events: PilotEvent[] = [];
    const states: [boolean, string | undefined][] = [];
    const w = watchEventStream(
      docker.open,
      (e) => events.push(e),
      (c, err) => states.push([c, err?.message]),
      { timers, now: () => 0 },
    );
    await flush();
    assert.deepEqual(docker.calls, [undefined], "the first connection asks for events from now");
    assert.deepEqual(states, [[true, undefined]]);

    // An event split across chunks, then a second one.
    const l1 = line("a", "start", 1000_000000001n);
    docker.stream.write(l1.slice(0, 20));
    docker.stream.write(l1.slice(20) + line("a", "die", 1000_000000002n, { exitCode: "137" }));
    await flush();
    assert.deepEqual(
      events.map((e) => [e.id, e.action, e.exitCode]),
      [
        ["a", "start", undefined],
        ["a", "die", 137],
      ],
    );

    // Docker stops: the stream ends; the loss is reported once, the retries back off.
    docker.stream.end();
    await flush();
    assert.deepEqual(states[1], [false, "Docker closed the event stream"]);
    docker.failWith = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      delays.push(timers.fire());
      await flush();
    }
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 10000, 10000]);
    assert.equal(states.length, 2, "failed retries are not reported again");
    assert.ok(
      docker.calls.slice(1).every((s) => s === "1000.000000002"),
      "reconnects ask for events since the last one seen",
    );

    // Docker is back: connected again, replayed events are not delivered twice.
    docker.failWith = undefined;
    timers.fire();
    await flush();
    assert.deepEqual(states[2], [true, undefined]);
    docker.stream.write(
      line("a", "start", 1000_000000001n) + line("a", "die", 1000_000000002n, { exitCode: "137" }),
    );
    docker.stream.write(line("b", "create", 1000_000000002n) + line("a", "destroy", 1000_000000003n));
    await flush();
    assert.deepEqual(
      events.slice(2).map((e) => [e.id, e.action]),
      [
        ["b", "create"],
        ["a", "destroy"],
      ],
    );

    // close(): the stream is ended, nothing more is scheduled or reported.
    const last = docker.stream;
    w.close();
    await flush();
    assert.ok(last.destroyed);
    assert.ok(docker.signals.at(-1)!.aborted);
    assert.equal(timers.pending.length, 0);
    assert.equal(states.length, 3);
  });

  it("uses the time of the last connection as `since` when no event came", async () => {
    const docker = new FakeDocker();
    const timers = new FakeTimers();
    let now = 1_700_000_000_123;
    const w = watchEventStream(docker.open, () => {}, undefined, { timers, now: () => now });
    await flush();
    now += 5_000;
    docker.stream.destroy(new Error("read ECONNRESET"));
    await flush();
    timers.fire();
    await flush();
    assert.deepEqual(docker.calls, [undefined, "1700000000.123000000"]);
    w.close();
  });

  it("starts the backoff again after a connection that lasted, not after a flapping one", async () => {
    const docker = new FakeDocker();
    const timers = new FakeTimers();
    let now = 0;
    const states: boolean[] = [];
    const w = watchEventStream(
      docker.open,
      () => {},
      (c) => states.push(c),
      { timers, now: () => now, initialDelayMs: 100, maxDelayMs: 1000, stableMs: 1000 },
    );
    await flush();
    const cycle = async (lastedMs: number) => {
      now += lastedMs;
      docker.stream.end();
      await flush();
      const ms = timers.fire();
      await flush();
      return ms;
    };
    assert.deepEqual([await cycle(10), await cycle(10), await cycle(10)], [100, 200, 400]);
    assert.equal(await cycle(5000), 100, "a stable connection resets the backoff");
    assert.deepEqual(states, [true, false, true, false, true, false, true, false, true]);
    w.close();
  });

  it("reports a failing first connection once, and destroys a stream that opens after close", async () => {
    const docker = new FakeDocker();
    const timers = new FakeTimers();
    docker.failWith = Object.assign(new Error("connect ENOENT /var/run/docker.sock"), { code: "ENOENT" });
    const states: [boolean, string | undefined][] = [];
    const w = watchEventStream(
      docker.open,
      () => {},
      (c, e) => states.push([c, e?.message]),
      { timers },
    );
    await flush();
    assert.deepEqual(states, [[false, "connect ENOENT /var/run/docker.sock"]]);

    const late = new PassThrough();
    docker.holdNext = true;
    timers.fire();
    await flush();
    w.close();
    docker.release!(late);
    await flush();
    assert.ok(late.destroyed);
    assert.equal(states.length, 1);
  });
});
