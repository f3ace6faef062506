// Plancton's own CPU on the real engine (host/own-cpu.ts, daemon/owners/engine-work.ts): the
// engine's processes' CPU while it launches and kills pilots for the daemon is counted as
// Plancton's (not an owner arriving), and the engine's work for anyone else is not.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { withEngineWork } from "../../src/daemon/owners/engine-work.js";
import { OwnCpuMeter } from "../../src/host/own-cpu.js";
import { parseProcStat } from "../../src/host/proc-readers.js";
import { createDockerEngine } from "../../src/runtime/docker-engine.js";
import { dockerCli, requireDocker, testRun, TEST_IMAGE, TEST_LABEL } from "./runtime-helpers.js";

const t = testRun("owncpu");
/** The machine's busy CPU so far, ms (/proc/stat, USER_HZ 100). */
const busyMs = () => parseProcStat(readFileSync("/proc/stat", "utf8")).busyTicks * 10;
before(requireDocker);
after(() => t.cleanup());

test("the engine's CPU launching and killing pilots is Plancton's; its work for others is not", async () => {
  const meter = new OwnCpuMeter({ selfMs: () => 0, tailMs: 300 });
  const engine = withEngineWork(createDockerEngine(), meter);
  assert.equal(meter.totalMs(), 0, "nothing counted before the daemon asked the engine anything");

  const busy0 = busyMs();
  const pilots = [];
  for (let i = 0; i < 3; i++) pilots.push(await engine.launch(t.spec({ cmd: ["sleep", "600"] })));
  for (const p of pilots) await engine.kill(p.id);
  const worked = meter.totalMs();
  const busy = busyMs() - busy0;
  // dockerd, containerd and the shims (runc reaped by them) spend CPU on each launch and kill.
  assert.ok(worked > 30, `the engine's work for the daemon counted: ${worked} ms for 3 launches and kills`);
  // ...and only what it spent meanwhile: never more than the whole machine was busy.
  assert.ok(worked <= busy, `counted ${worked} ms, more than the machine's busy ${busy} ms meanwhile`);

  await sleep(500); // past the tail: the engine no longer works for the daemon
  const idle = meter.totalMs();
  await dockerCli("run", "--rm", "--label", `${TEST_LABEL}=${t.id}`, TEST_IMAGE, "true"); // someone else's
  assert.equal(meter.totalMs(), idle, "the engine's work for someone else stays the owner's");
});
