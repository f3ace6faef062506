// A change of instance never orphans pilots: the previous instance's pilots stay managed
// (listed, counted against max_docks, TTL-killed and removed) until they end, on the real
// Docker engine. On the landed code the daemon stopped listing them at once: never
// paused or TTL-killed again, and max_docks no longer counted them.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { containersOf, removeInstance, requireDocker } from "../helpers/docker.js";
import { startDaemon, type Harness } from "../helpers/daemon-harness.js";
import { FixedObserver } from "../helpers/fixed-observer.js";
import { waitFor } from "../helpers/wait.js";

let h: Harness;
let base: string;
let next: string;

before(async () => {
  await requireDocker();
  h = await startDaemon(
    "instswitch",
    "max_docks: 1\ndocker_cmd: sleep 600\nmain_sleep: 1\ncpus_per_dock: 0.05\n",
    { observer: new FixedObserver() },
  );
  base = await readFile(h.configFile, "utf8");
  next = `${h.instance}-b`;
});

after(async () => {
  await h.cleanup();
  await removeInstance(next);
});

test("after a change of instance the old pilots are still listed and counted; new ones get the new label", async () => {
  const [old] = await waitFor(
    "a running pilot of the first instance",
    async () => {
      const cs = await containersOf(h.instance);
      return cs.length === 1 && cs[0]?.State === "running" ? cs : undefined;
    },
    60_000,
    200,
  );
  await writeFile(h.configFile, `${base}instance: ${next}\n`);
  await h.daemon.reloadConfig();
  await waitFor("the new instance in force", () => h.daemon.snapshot().instance === next, 15_000);
  await h.daemon.tickNow();
  await h.daemon.tickNow();
  const s = h.daemon.snapshot();
  assert.ok(
    s.pilots.some((p) => old && old.Id.startsWith(p.id)),
    "the first instance's pilot is still managed",
  );
  assert.deepEqual(s.retiredInstances, [h.instance]);
  assert.equal((await containersOf(next)).length, 0, "max_docks 1 still counts the old pilot: no second one");
});

test("the old instance's pilot is TTL-killed and removed by the daemon, then the old instance is let go", async () => {
  await writeFile(h.configFile, `${base}instance: ${next}\nmax_ttl: 3\n`);
  await h.daemon.reloadConfig();
  await waitFor(
    "the old pilot killed by TTL and removed (not orphaned)",
    async () => (await containersOf(h.instance)).length === 0,
    60_000,
    200,
  );
  const rec = await waitFor(
    "its history record",
    async () => (await h.daemon.historyLog().read()).find((r) => r.name.startsWith(h.instance)),
    15_000,
    200,
  );
  assert.equal(rec.reason, "ttl");
  await waitFor(
    "the old instance let go once its last pilot ended",
    () => h.daemon.snapshot().retiredInstances?.length === 0,
    15_000,
    200,
  );
  await waitFor(
    "a pilot of the new instance",
    async () => (await containersOf(next)).length >= 1,
    60_000,
    200,
  );
});
