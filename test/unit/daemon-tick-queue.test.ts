import assert from "node:assert/strict";
import { test } from "node:test";
import { TickQueue, type TickRequest } from "../../src/daemon/loop/tick-queue.js";

const req = (cause: string, relist = false, allowStart = false): TickRequest => ({
  cause,
  relist,
  allowStart,
});

test("requests made during a run merge into one follow-up run with the strongest options", async () => {
  const runs: TickRequest[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const lock = new TickQueue(
    async (r) => {
      runs.push(r);
      if (runs.length === 1) await gate;
    },
    () => assert.fail("no error expected"),
  );
  const first = lock.request(req("a"));
  void lock.request(req("b", true, false));
  void lock.request(req("c", false, true));
  release();
  await first;
  await lock.settled();
  assert.deepEqual(runs, [req("a"), { cause: "b+c", relist: true, allowStart: true }]);
});

test("a run that throws is reported and the loop goes on", async () => {
  const errors: string[] = [];
  let n = 0;
  const lock = new TickQueue(
    async () => {
      n++;
      if (n === 1) throw new Error("boom");
    },
    (err, r) => errors.push(`${r.cause}: ${(err as Error).message}`),
  );
  await lock.request(req("first"));
  await lock.request(req("second"));
  await lock.settled();
  assert.deepEqual(errors, ["first: boom"]);
  assert.equal(n, 2);
});
