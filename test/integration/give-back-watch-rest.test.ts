// The give-back watch on the real kernel's counters (daemon/owners/give-back-watch.ts): an
// owner busy on every core wakes a sample while there are pilots to give back, and wakes
// nothing, reading nothing, while there is none (an idle daemon's CPU was mostly these reads).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import os from "node:os";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { parseConfigText } from "../../src/config/parse.js";
import { GiveBackWatch } from "../../src/daemon/owners/give-back-watch.js";
import pino from "pino";

const config = parseConfigText("docker_image: busybox\n", "watch.yaml").config;
const info = { ncpu: os.availableParallelism(), cgroupDriver: "cgroupfs" } as const;

async function wakesUnderLoad(pilots: number): Promise<{ wakes: number; inForce: Record<string, string> }> {
  let wakes = 0;
  const w = new GiveBackWatch({
    logger: pino({ level: "silent" }),
    sampleNow: async () => void wakes++,
    after: () => undefined,
    sampledOwner: () => 0,
    pilotCount: () => pilots,
    ownCpu: { totalMs: () => 0, describe: () => "none" },
    minFreeMem: () => undefined,
    ramBytes: () => os.totalmem(),
  });
  w.setEngine(info as never, "/plancton-watch-test", config);
  const busy = Array.from({ length: info.ncpu }, () =>
    spawn("/bin/sh", ["-c", "while :; do :; done"], { stdio: "ignore" }),
  );
  try {
    for (let i = 0; i < 8; i++) {
      w.check();
      await sleep(100);
    }
  } finally {
    for (const b of busy) b.kill("SIGKILL");
  }
  return { wakes, inForce: w.inForce() };
}

test("an owner on every core wakes a sample while pilots run, nothing while there is none", async () => {
  const withPilots = await wakesUnderLoad(2);
  assert.ok(withPilots.wakes > 0, "the owner's rise woke a sample");
  assert.doesNotMatch(withPilots.inForce["owner watch"] ?? "", /resting/);
  const none = await wakesUnderLoad(0);
  assert.equal(none.wakes, 0, "no pilot: no reads, no wake");
  assert.match(none.inForce["owner watch"] ?? "", /resting now: no pilot to give back/);
});
