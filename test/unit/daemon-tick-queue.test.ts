// TickQueue: ticks one at a time, requests merged, and the changes a request carries
// applied in order between ticks, before the tick they asked for.
import assert from "node:assert/strict";
import { test } from "node:test";
import { TickQueue, type TickRequest } from "../../src/daemon/loop/tick-queue.js";

const req = (cause: string, relist = false, allowStart = false): TickRequest => ({
  cause,
  relist,
  allowStart,
});

const noErrors = { error: (_o: object, msg: string) => assert.fail(`no error expected: ${msg}`) };

test("requests made during a run merge into one follow-up run with the strongest options", async () => {
  const runs: TickRequest[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const queue = new TickQueue(async (r) => {
    runs.push(r);
    if (runs.length === 1) await gate;
  }, noErrors);
  const first = queue.request(req("a"));
  void queue.request(req("b", true, false));
  void queue.request(req("c", false, true));
  release();
  await first;
  await queue.settled();
  assert.deepEqual(runs, [req("a"), { cause: "b+c", relist: true, allowStart: true }]);
});

test("a run that throws is reported and the loop goes on", async () => {
  const errors: string[] = [];
  let n = 0;
  const queue = new TickQueue(
    async () => {
      n++;
      if (n === 1) throw new Error("boom");
    },
    { error: (_o, msg) => errors.push(msg) },
  );
  await queue.request(req("first"));
  await queue.request(req("second"));
  await queue.settled();
  assert.deepEqual(errors, ["tick (first) failed: boom; trying again at the next tick"]);
  assert.equal(n, 2);
});

test("changes run between ticks, in the order asked, before the tick that carries them", async () => {
  const order: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const queue = new TickQueue(async (r) => {
    order.push(`tick ${r.cause}`);
    if (r.cause === "a") await gate;
  }, noErrors);
  const change = (name: string) => async () => void order.push(`apply ${name}`);
  void queue.request({ ...req("a"), apply: [change("1")] });
  void queue.request({ ...req("config"), apply: [change("config")] });
  void queue.request({ ...req("control"), apply: [change("control")] });
  assert.deepEqual(order, ["apply 1"], "a change waits while a tick runs");
  release();
  await queue.settled();
  assert.deepEqual(order, ["apply 1", "tick a", "apply config", "apply control", "tick config+control"]);
});

test("a change that fails is reported; the other changes and the tick still run", async () => {
  const errors: string[] = [];
  const order: string[] = [];
  const queue = new TickQueue(async () => void order.push("tick"), { error: (_o, m) => errors.push(m) });
  await queue.request({
    ...req("config"),
    apply: [
      async () => {
        throw new Error("bad");
      },
      async () => void order.push("second change"),
    ],
  });
  assert.deepEqual(order, ["second change", "tick"]);
  assert.equal(errors.length, 1);
});
