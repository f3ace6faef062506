import { test } from "node:test";
import assert from "node:assert/strict";
import { isTransient, retryTransient } from "../../src/fleet/transient-retry.js";

class GRPCUnavailableError extends Error {}
class EtcdPermissionDeniedError extends Error {}

test("an election's answers are transient; a refusal of rights or a bad value is not", () => {
  assert.ok(isTransient(new GRPCUnavailableError("14 UNAVAILABLE: etcdserver: no leader")));
  assert.ok(isTransient(new Error("etcdserver: leader changed")));
  assert.ok(isTransient(new Error("connect ECONNREFUSED 127.0.0.1:2379")));
  assert.ok(!isTransient(new EtcdPermissionDeniedError("etcdserver: permission denied")));
  assert.ok(!isTransient(new Error("no host named x in the fleet")));
  assert.ok(!isTransient("UNAVAILABLE"), "only errors");
});

test("tried again after each pause until it answers; the pauses grow", async () => {
  const slept: number[] = [];
  let calls = 0;
  const r = await retryTransient(
    async () => {
      calls++;
      if (calls < 3) throw new Error("etcdserver: no leader");
      return "sent";
    },
    async (ms) => void slept.push(ms),
    [10, 20, 40],
  );
  assert.equal(r, "sent");
  assert.deepEqual(slept, [10, 20]);
});

test("gives up with the last error when the pauses are spent, and at once on a lasting error", async () => {
  const slept: number[] = [];
  const sleep = async (ms: number) => void slept.push(ms);
  await assert.rejects(
    retryTransient(() => Promise.reject(new Error("etcdserver: leader changed")), sleep, [1, 2]),
    /leader changed/,
  );
  assert.deepEqual(slept, [1, 2]);
  slept.length = 0;
  await assert.rejects(
    retryTransient(() => Promise.reject(new Error("etcdserver: permission denied")), sleep, [1, 2]),
    /permission denied/,
  );
  assert.deepEqual(slept, []);
});
