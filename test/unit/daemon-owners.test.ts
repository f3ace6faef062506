// One focused test per owner of a fact, on a fake clock: EngineConnection (the reconnect
// backoff), ImagePuller (pulls, failures, a new image starting from nothing), TickTimers
// (periods and follow-ups, on node's mock timers), PilotCache (the pilots between listings).
import assert from "node:assert/strict";
import { describe, it, mock } from "node:test";
import { TickTimers } from "../../src/daemon/loop/tick-timers.js";
import { EngineConnection } from "../../src/daemon/owners/engine-connection.js";
import { ImagePuller } from "../../src/daemon/owners/image-puller.js";
import { PilotCache } from "../../src/daemon/owners/pilot-cache.js";
import type { PilotInfo } from "../../src/runtime/index.js";
import { quietLogger } from "../helpers/act-fakes.js";
import { MemoryEngine } from "../helpers/memory-engine.js";

/** A MemoryEngine that stops answering when told. */
class FlakyEngine extends MemoryEngine {
  up = true;
  override async ping(): Promise<void> {
    if (!this.up) throw new Error("connect ECONNREFUSED /var/run/docker.sock");
    await super.ping();
  }
}

const fakeClock = (start = 1_000_000) => {
  const c = { now: start, fn: () => c.now };
  return c;
};

describe("EngineConnection", () => {
  it("backs off 1 s, 2 s, 4 s ... up to 30 s while the engine is down; an answer resets it", async () => {
    const engine = new FlakyEngine({ images: [] });
    const logger = quietLogger();
    const clock = fakeClock();
    const c = new EngineConnection(engine, logger, clock.fn);
    engine.up = false;
    assert.equal(await c.connect(), undefined);
    assert.equal(c.available, false);
    const delays = Array.from({ length: 7 }, () => c.retryAfterMs());
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    c.down(new Error("again"));
    assert.equal(logger.warned.length, 1, "said once an outage");
    assert.equal(c.answered(), true, "was down: reconnect");
    assert.equal(c.retryAfterMs(), 1000, "the backoff starts over");
    engine.up = true;
    clock.now += 5000;
    assert.ok(await c.connect());
    assert.deepEqual(c.state(), { available: true, since: clock.now, version: "memory", engine: "docker" });
    assert.equal(c.answered(), false, "up already: nothing to do");
  });
});

describe("ImagePuller", () => {
  const setup = (images: string[]) => {
    const engine = new MemoryEngine({ images });
    const clock = fakeClock();
    const ticks: string[] = [];
    const pulled: boolean[] = [];
    const puller = new ImagePuller("img:1", {
      engine,
      logger: quietLogger(),
      clock: clock.fn,
      engineUp: () => true,
      onPulled: (_image, ok) => pulled.push(ok),
      requestTick: () => ticks.push("pull"),
    });
    const settle = async () => {
      while (puller.status().pulling) await new Promise((r) => setImmediate(r));
    };
    return { engine, clock, ticks, pulled, puller, settle };
  };

  it("a pull that succeeds makes the image usable and asks for a tick", async () => {
    const t = setup(["img:1"]);
    assert.equal(t.puller.status().image, undefined);
    t.puller.pull();
    await t.settle();
    assert.deepEqual(t.puller.status(), {
      image: "img:1",
      lastPullAtMs: t.clock.now,
      lastPullFailedAtMs: undefined,
      pulling: false,
      failures: 0,
    });
    assert.deepEqual(t.ticks, ["pull"]);
    assert.deepEqual(t.pulled, [true]);
  });

  it("failed pulls are counted; a new image resets the pull backoff", async () => {
    const t = setup([]);
    t.puller.pull();
    await t.settle();
    t.clock.now += 1000;
    t.puller.pull();
    await t.settle();
    assert.equal(t.puller.status().failures, 2);
    assert.equal(t.puller.view().usable, false);
    t.puller.configure("img:1"); // unchanged name: nothing forgotten
    t.puller.configure("img:2");
    assert.deepEqual(t.puller.status(), {
      image: undefined,
      lastPullAtMs: undefined,
      lastPullFailedAtMs: undefined,
      pulling: false,
      failures: 0,
    });
  });

  it("no pull while the engine is down, nor a second one in flight", async () => {
    const t = setup(["img:1"]);
    let up = false;
    const puller = new ImagePuller("img:1", {
      engine: t.engine,
      logger: quietLogger(),
      clock: t.clock.fn,
      engineUp: () => up,
      onPulled: () => undefined,
      requestTick: () => undefined,
    });
    puller.pull();
    assert.equal(puller.status().pulling, false);
    up = true;
    const calls = t.engine.apiCalls;
    puller.pull();
    puller.pull();
    while (puller.status().pulling) await new Promise((r) => setImmediate(r));
    assert.equal(t.engine.apiCalls - calls, 1, "one pull");
  });
});

describe("TickTimers", () => {
  it("runs periods by key, keeps a pending follow-up, and stops everything on close", () => {
    mock.timers.enable({ apis: ["setInterval", "setTimeout"] });
    try {
      const timers = new TickTimers();
      const runs: string[] = [];
      timers.every("main_sleep", 1000, () => runs.push("main"));
      timers.every("sample", 400, () => runs.push("sample"));
      timers.after("event", 200, () => runs.push("event"));
      timers.after("event", 50, () => runs.push("event (not pushed back, not doubled)"));
      mock.timers.tick(1000);
      assert.deepEqual(runs, ["event", "sample", "sample", "main"]);
      timers.every("sample", 0, () => runs.push("never"));
      assert.deepEqual(timers.running(), ["main_sleep"]);
      timers.close();
      timers.after("event", 10, () => runs.push("after close"));
      mock.timers.tick(5000);
      assert.deepEqual(runs, ["event", "sample", "sample", "main"]);
    } finally {
      mock.timers.reset();
    }
  });

  it("a period set again with the same length is kept (its phase does not move)", () => {
    mock.timers.enable({ apis: ["setInterval"] });
    try {
      const timers = new TickTimers();
      let n = 0;
      timers.every("main_sleep", 1000, () => n++);
      mock.timers.tick(900);
      timers.every("main_sleep", 1000, () => n++);
      mock.timers.tick(100);
      assert.equal(n, 1);
      timers.close();
    } finally {
      mock.timers.reset();
    }
  });
});

describe("PilotCache", () => {
  const pilot = (id: string, state: PilotInfo["state"]): PilotInfo => ({
    id,
    name: `p-${id}`,
    state,
    createdAtMs: 0,
    image: "i",
    labels: {},
  });

  it("a listing replaces it, a launch adds, an end removes; ids by state", () => {
    const cache = new PilotCache();
    cache.replace([pilot("a", "running"), pilot("b", "paused"), pilot("c", "exited")]);
    cache.added([pilot("d", "running")]);
    cache.ended("c");
    assert.deepEqual(cache.ids(), { running: ["a", "d"], paused: ["b"] });
    cache.replace([pilot("a", "running")]);
    assert.deepEqual(
      cache.all().map((p) => p.id),
      ["a"],
    );
  });

  it("decide() sees the pilots under a graceful stop, even one gone from the listing", () => {
    const cache = new PilotCache();
    cache.replace([pilot("a", "running"), pilot("b", "running")]);
    const seen = cache.forPolicy(new Set(["b", "gone"]));
    assert.deepEqual(
      seen.map((p) => [p.id, p.state, p.stopping ?? false]),
      [
        ["a", "running", false],
        ["b", "running", true],
        ["gone", "removing", true],
      ],
    );
  });
});
