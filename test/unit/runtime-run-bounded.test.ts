import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runBounded } from "../../src/runtime/run-bounded.js";

/** A task whose completion the test controls. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
const flush = () => new Promise<void>((r) => setImmediate(r));

describe("runBounded", () => {
  it("never has more than `concurrency` tasks in flight and keeps input order", async () => {
    let inFlight = 0;
    let most = 0;
    const pending: { index: number; d: ReturnType<typeof deferred<number>> }[] = [];
    const run = runBounded([0, 1, 2, 3, 4, 5], 4, async (item, index) => {
      inFlight++;
      most = Math.max(most, inFlight);
      const d = deferred<number>();
      pending.push({ index, d });
      try {
        return await d.promise;
      } finally {
        inFlight--;
      }
    });
    await flush();
    assert.equal(pending.length, 4);
    // Finish out of order.
    for (const order of [2, 0, 3, 1]) pending.find((p) => p.index === order)!.d.resolve(order * 10);
    await flush();
    assert.equal(pending.length, 6);
    for (const p of pending.slice(4)) p.d.resolve(p.index * 10);
    const out = await run;
    assert.equal(most, 4);
    assert.deepEqual(out.results, [0, 10, 20, 30, 40, 50]);
    assert.equal(out.error, undefined);
    assert.equal(out.started, 6);
  });

  it("begins nothing after the first failure (concurrency 1)", async () => {
    const begun: number[] = [];
    const out = await runBounded([0, 1, 2, 3, 4, 5], 1, async (i) => {
      begun.push(i);
      if (i === 2) throw new Error("bad image");
      return i;
    });
    assert.deepEqual(begun, [0, 1, 2]);
    assert.deepEqual(out.results, [0, 1]);
    assert.equal(out.error?.message, "bad image");
    assert.equal(out.started, 3);
  });

  it("waits for the tasks in flight when one fails, and keeps their results", async () => {
    const ds = new Map<number, ReturnType<typeof deferred<number>>>();
    const run = runBounded([0, 1, 2, 3, 4, 5], 3, (i) => {
      const d = deferred<number>();
      ds.set(i, d);
      return d.promise;
    });
    await flush();
    assert.deepEqual([...ds.keys()], [0, 1, 2]);
    ds.get(2)!.reject(new Error("create failed"));
    await flush();
    ds.get(0)!.resolve(0);
    ds.get(1)!.reject(new Error("second failure"));
    await flush();
    const out = await run;
    assert.deepEqual([...ds.keys()], [0, 1, 2], "no task began after the failure");
    assert.deepEqual(out.results, [0]);
    assert.equal(out.error?.message, "create failed");
  });

  it("treats a concurrency below 1 as 1 and handles no items", async () => {
    const out = await runBounded([1, 2], 0, async (i) => i);
    assert.deepEqual(out.results, [1, 2]);
    assert.deepEqual(await runBounded([], 4, async () => 1), { results: [], started: 0 });
  });
});
