// Memory give-back on the real engine: each pilot's usage is read from its own cgroup, and
// one sample under min_free_mem kills, at once and together, the fewest pilots whose memory
// covers the deficit (youngest first), never pausing them; the rest keep running.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { containersOf, requireDocker } from "../helpers/docker.js";
import { FixedObserver } from "../helpers/fixed-observer.js";
import { startDaemon, type Harness } from "../helpers/daemon-harness.js";
import { waitFor } from "../helpers/wait.js";
import { findControllerTree } from "../../src/host/container-cgroup.js";
import { PilotMemory } from "../../src/host/pilot-memory.js";

const MiB = 2 ** 20;
let h: Harness;
const observer = new FixedObserver({ ncpus: 4 });

before(async () => {
  await requireDocker();
  observer.set({ mem_available_bytes: 4096 * MiB, ram_bytes: 8192 * MiB });
  h = await startDaemon(
    "memgive",
    "max_docks: 3\ncpus_per_dock: 0.1\nmain_sleep: 1h\ngrace_spawn: 1h\ndocks_per_loop: 3\n" +
      "min_free_mem: 1GiB\npressure_grace: 0\nsuspend_grace: 1h\nmem_pressure_psi: null\n" +
      "docker_cmd: [sh, -c, 'dd if=/dev/zero of=/dev/shm/x bs=1M count=30 2>/dev/null; sleep 600']\n",
    { observer },
  );
  await waitFor(
    "3 running pilots",
    async () => (await containersOf(h.instance)).filter((c) => c.State === "running").length === 3,
    60_000,
  );
});
after(() => h.cleanup());

test("50 MiB short: the two youngest 30 MiB pilots are killed together; the oldest stays", async () => {
  const all = await containersOf(h.instance);
  const tree = findControllerTree("memory");
  assert.ok(tree, "no memory cgroup hierarchy on this host");
  const memory = new PilotMemory(tree, "cgroupfs", undefined);
  await waitFor("each pilot holds its 30 MiB", () =>
    all.every((c) => (memory.usageBytes(c.Id) ?? 0) >= 30 * MiB),
  );
  // 30 MiB each: 50 MiB short needs two of them, the youngest two.
  observer.set({ mem_available_bytes: 1024 * MiB - 50 * MiB, ram_bytes: 8192 * MiB });
  const records = await waitFor(
    "two mem_pressure kills",
    async () => {
      const r = (await h.daemon.historyLog().read()).filter((x) => x.reason === "mem_pressure");
      return r.length >= 2 ? r : undefined;
    },
    30_000,
  );
  observer.set({ mem_available_bytes: 4096 * MiB, ram_bytes: 8192 * MiB });
  assert.equal(records.length, 2, "the fewest that cover the deficit, no more");
  const left = await containersOf(h.instance);
  const survivors = left.filter((c) => c.State === "running");
  const killed = all.filter((c) => records.some((r) => r.id === c.Id || c.Id.startsWith(r.id)));
  const seen = JSON.stringify({ all: all.map((c) => [c.Id.slice(0, 12), c.Created]), records });
  assert.equal(survivors.length, 1, `one pilot keeps running: ${seen}`);
  assert.equal(killed.length, 2, seen);
  // Docker's creation time has a second's resolution: no victim is older than the survivor.
  for (const k of killed) assert.ok(k.Created >= survivors[0]!.Created, `youngest first: ${seen}`);
  assert.ok(
    left.every((c) => c.State !== "paused"),
    "memory is never given back by a pause",
  );
});
