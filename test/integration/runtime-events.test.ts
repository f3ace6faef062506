// watchEvents on the real engine: our pilots' start, die (with exit code) and destroy
// arrive; events of other instances and foreign containers do not. (Reconnection after
// a dockerd restart is covered by the daemon's fault suite; the backoff by
// test/unit/runtime-event-stream.test.ts.)
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createDockerEngine } from "../../src/runtime/docker-engine.js";
import type { ContainerEngine, PilotEvent } from "../../src/runtime/engine.js";
import { INSTANCE_LABEL, TEST_IMAGE, dockerCli, requireDocker, testRun, waitFor } from "./runtime-helpers.js";

const t = testRun("events");
let engine: ContainerEngine;
const watches: { close(): void }[] = [];

before(async () => {
  await requireDocker();
  engine = createDockerEngine();
});

after(async () => {
  for (const w of watches) w.close();
  await t.cleanup();
});

test("sees start, die with its exit code, and destroy of our pilots only", async () => {
  const events: PilotEvent[] = [];
  const states: boolean[] = [];
  const before = engine.apiCalls;
  watches.push(
    engine.watchEvents(
      t.labels,
      (e) => events.push(e),
      (connected) => states.push(connected),
    ),
  );
  await waitFor("the event stream to connect", () => states.includes(true), 10_000);
  assert.equal(engine.apiCalls - before, 1, "one request for the stream");

  // Others first: their events, were they delivered, would come before ours.
  const other = await engine.launch(
    t.spec({ labels: { ...t.labels, [INSTANCE_LABEL]: "b" }, cmd: ["sh", "-c", "exit 5"] }),
  );
  const foreign = await dockerCli(
    "run",
    "-d",
    "--name",
    `${t.prefix}-foreign`,
    "--label",
    `${INSTANCE_LABEL}=a`,
    TEST_IMAGE,
    "sh",
    "-c",
    "exit 6",
  );
  const pilot = await engine.launch(t.spec({ cmd: ["sh", "-c", "exit 3"] }));
  const die = await waitFor(
    "our pilot's die event",
    () => events.find((e) => e.id === pilot.id && e.action === "die"),
    15_000,
  );
  assert.equal(die.exitCode, 3);
  assert.equal(die.name, pilot.name);
  assert.ok(Math.abs(die.timeMs - Date.now()) < 60_000, `timeMs ${die.timeMs}`);
  await engine.remove(pilot.id);
  await waitFor(
    "our pilot's destroy event",
    () => events.some((e) => e.id === pilot.id && e.action === "destroy"),
    15_000,
  );

  const ours = events.filter((e) => e.id === pilot.id).map((e) => e.action);
  for (const action of ["create", "start", "die", "destroy"])
    assert.ok(ours.includes(action), `${action} in ${ours.join(",")}`);
  assert.ok(
    ours.indexOf("start") < ours.indexOf("die") && ours.indexOf("die") < ours.indexOf("destroy"),
    ours.join(","),
  );
  const strangers = events.filter((e) => e.id !== pilot.id);
  assert.deepEqual(
    strangers,
    [],
    `events of ${other.id.slice(0, 12)} (other instance) or ${foreign.slice(0, 12)} (foreign)`,
  );
  assert.deepEqual(states, [true], "connected once, never lost");
});

test("close() ends the stream: a closed watcher hears nothing more", async () => {
  const closedEvents: PilotEvent[] = [];
  const openEvents: PilotEvent[] = [];
  const connected = { closed: false, open: false };
  const closing = engine.watchEvents(
    t.labels,
    (e) => closedEvents.push(e),
    (c) => (connected.closed ||= c),
  );
  const open = engine.watchEvents(
    t.labels,
    (e) => openEvents.push(e),
    (c) => (connected.open ||= c),
  );
  watches.push(closing, open);
  await waitFor("both streams to connect", () => connected.closed && connected.open, 10_000);
  closing.close();
  const pilot = await engine.launch(t.spec({ cmd: ["true"] }));
  await engine.remove(pilot.id).catch(() => undefined);
  await waitFor(
    "the open watcher's destroy event",
    () => openEvents.some((e) => e.id === pilot.id && e.action === "destroy"),
    15_000,
  );
  assert.deepEqual(closedEvents, []);
});
