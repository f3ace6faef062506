// Giving the CPU back on the real engine: the owner's load (set through a fixed
// observer) pauses the youngest pilots at the next sample, resumes them when it drops,
// and kills a pilot paused longer than suspend_grace. A pause is the kernel's freezer
// (Docker still says running): the states are read through it.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { containersOf, requireDocker } from "../helpers/docker.js";
import { FixedObserver } from "../helpers/fixed-observer.js";
import { startDaemon, type Harness } from "../helpers/daemon-harness.js";
import { waitFor } from "../helpers/wait.js";
import { effectiveState } from "../helpers/kernel-freeze.js";

let h: Harness;
const observer = new FixedObserver({ ncpus: 4 });
const states = async () =>
  (await Promise.all((await containersOf(h.instance)).map((c) => effectiveState(c)))).sort();

before(async () => {
  await requireDocker();
  // main_sleep is long: only the sample path can pause and resume in time.
  h = await startDaemon(
    "giveback",
    "max_docks: 2\ncpus_per_dock: 1\nmain_sleep: 1h\ngrace_kill: 0\nsuspend_grace: 1h\nresume_after: 0\ndocker_cmd: sleep 600\n",
    { observer },
  );
  await waitFor("2 running pilots", async () => (await states()).join() === "running,running", 20_000);
});

after(() => h.cleanup());

test("the owner's load pauses pilots at the next sample, youngest first", async () => {
  observer.set({ cpu_owner: 0.7, cpu_total: 1, cpu_pilots: 0.3 });
  await waitFor("one pilot paused", async () => (await states()).join() === "paused,running", 10_000);
  const all = await Promise.all(
    (await containersOf(h.instance)).map(async (c) => ({ ...c, State: await effectiveState(c) })),
  );
  const paused = all.find((c) => c.State === "paused")!;
  const other = all.find((c) => c.State === "running")!;
  assert.ok(
    paused.Created >= other.Created,
    "the youngest is paused first (to Docker's one-second resolution)",
  );
  observer.set({ cpu_owner: 1, cpu_total: 1, cpu_pilots: 0 });
  await waitFor("both paused", async () => (await states()).join() === "paused,paused", 10_000);
});

test("when the owner's load drops, pilots resume", async () => {
  observer.set({ cpu_owner: 0, cpu_total: 0, cpu_pilots: 0 });
  await waitFor(
    "running again",
    async () => {
      observer.set({ cpu_owner: 0 }); // a new sample each poll, as the real sampler would
      return (await states()).join() === "running,running";
    },
    15_000,
  );
});

test("a pilot paused longer than suspend_grace is killed", async () => {
  const text = await readFile(h.configFile, "utf8");
  await writeFile(h.configFile, text.replace("suspend_grace: 1h", "suspend_grace: 1\ngrace_spawn: 1h"));
  await waitFor(
    "config applied",
    () =>
      h.daemon.snapshot().configSources !== undefined &&
      h.logs.some((l) => l.includes("configuration reloaded")),
    10_000,
  );
  observer.set({ cpu_owner: 1, cpu_total: 1, cpu_pilots: 0 });
  const rec = await waitFor(
    "a suspend_expired kill",
    async () => {
      observer.set({ cpu_owner: 1 });
      return (await h.daemon.historyLog().read()).find((r) => r.reason !== "exited");
    },
    20_000,
  );
  // Only suspend_expired proves the reload took: paused, then killed after suspend_grace 1 s.
  assert.equal(rec.reason, "suspend_expired");
  assert.ok(rec.name.startsWith(h.instance));
});
