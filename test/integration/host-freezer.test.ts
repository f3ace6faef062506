// The give-back freeze written to the kernel's freezer, on the real engine: the pilot's
// processes stop (the kernel reads it frozen, its CPU counter stops), the engine's view is
// kept consistent through withKernelFreezer (Docker itself still says running), SIGKILL
// reaches a frozen pilot, and a freezer that cannot act falls back to the engine's pause.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import pino from "pino";
import { detectCgroupLayout } from "../../src/host/cgroup-layout.js";
import { containerCounterCandidates } from "../../src/host/pilot-cpu.js";
import { KernelFreezer } from "../../src/daemon/owners/kernel-freezer.js";
import { withKernelFreezer } from "../../src/daemon/owners/freezing-engine.js";
import { createDockerEngine } from "../../src/runtime/docker-engine.js";
import type { ContainerEngine } from "../../src/runtime/engine.js";
import { hostFreezer } from "../helpers/kernel-freeze.js";
import { inspect, requireDocker, testRun, waitFor } from "./runtime-helpers.js";

const t = testRun("freezer");
let raw: ContainerEngine;
let info: Awaited<ReturnType<ContainerEngine["info"]>>;
const logs: string[] = [];
const logger = pino({ level: "debug" }, { write: (l: string) => void logs.push(l) });

before(async () => {
  await requireDocker();
  raw = createDockerEngine();
  info = await raw.info();
});
after(() => t.cleanup());

const busy = () => raw.launch(t.spec({ cmd: ["sh", "-c", "yes > /dev/null"] }));

/** The container's CPU counter (ns or usec, only compared with itself). */
function cpuCounter(id: string): number {
  for (const c of containerCounterCandidates(detectCgroupLayout(), "cgroupfs", undefined, id)) {
    try {
      const text = readFileSync(c.path, "utf8");
      return Number(c.unit === "ns" ? text.trim() : /usage_usec (\d+)/.exec(text)?.[1]);
    } catch {
      continue;
    }
  }
  throw new Error(`no CPU counter for ${id}`);
}

test("a freezer write stops the pilot's processes, a thaw starts them again", async () => {
  const p = await busy();
  const freezer = hostFreezer();
  assert.equal(await freezer.state(p.id), "thawed");
  await freezer.freeze(p.id);
  await waitFor("the kernel reads it frozen", async () => (await freezer.state(p.id)) === "frozen", 10_000);
  const frozenAt = cpuCounter(p.id);
  await sleep(300);
  assert.equal(cpuCounter(p.id), frozenAt, "a frozen pilot uses no CPU");
  // What Docker reports for a freeze it did not make: still running, not paused.
  const seen = await inspect(p.id);
  assert.equal(seen.State.Status, "running");
  assert.equal(seen.State.Paused, false);
  assert.equal(await freezer.thaw(p.id), "thawed");
  await waitFor("CPU used again", () => cpuCounter(p.id) > frozenAt, 10_000);
});

test("through the daemon's engine: listed paused while frozen, resumed by the same path", async () => {
  const kernel = new KernelFreezer(logger);
  kernel.setEngine(info, undefined);
  assert.match(kernel.inForce(), /^kernel freezer/);
  const engine = withKernelFreezer(raw, kernel);
  const p = await busy();
  await engine.pause(p.id);
  const listed = async () => (await engine.listPilots(t.labels)).find((x) => x.id === p.id)?.state;
  assert.equal(await listed(), "paused");
  assert.equal((await inspect(p.id)).State.Status, "running", "the engine was not asked");
  await engine.unpause(p.id);
  assert.equal(await kernel.freezer()!.state(p.id), "thawed");
  assert.equal(await listed(), "running");
});

test("a frozen pilot killed through the daemon's engine dies, and is not left frozen", async () => {
  const kernel = new KernelFreezer(logger);
  kernel.setEngine(info, undefined);
  const engine = withKernelFreezer(raw, kernel);
  const p = await busy();
  await engine.pause(p.id);
  await engine.sigkill(p.id);
  // Bounded generously: on a loaded host dockerd's answer, not the kernel, is the slow part.
  await waitFor("exited", async () => (await inspect(p.id)).State.Status === "exited", 60_000);
  assert.equal((await inspect(p.id)).State.ExitCode, 137);
  await engine.remove(p.id);
});

test("where the freezer cannot act, the engine's pause does it, said once", async () => {
  const seen = logs.length; // earlier tests may have fallen back too (a freeze stuck in FREEZING)
  const kernel = new KernelFreezer(logger, () => ({ version: "v1", base: "/nonexistent-freezer" }));
  kernel.setEngine(info, undefined);
  const engine = withKernelFreezer(raw, kernel);
  const [a, b] = [await busy(), await busy()];
  await engine.pause(a.id);
  await engine.pause(b.id);
  assert.equal((await inspect(a.id)).State.Status, "paused");
  assert.equal((await inspect(b.id)).State.Status, "paused");
  const said = logs.slice(seen).filter((l) => l.includes("kernel freezer could not freeze"));
  assert.equal(said.length, 1, "the fallback is said once, not per pilot");
  await engine.unpause(a.id);
  assert.equal((await inspect(a.id)).State.Status, "running");
});
