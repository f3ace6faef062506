// A pilot frozen by the daemon through the kernel's freezer (Docker still says running)
// survives a restart of the daemon: the new daemon lists it paused and then resumes it
// when the owner is low, or kills it when it stayed paused past suspend_grace: never left
// frozen and forgotten.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { containersOf, requireDocker } from "../helpers/docker.js";
import { FixedObserver } from "../helpers/fixed-observer.js";
import { startDaemon, type Harness } from "../helpers/daemon-harness.js";
import { kernelFreezeState } from "../helpers/kernel-freeze.js";
import { waitFor } from "../helpers/wait.js";

const harnesses: Harness[] = [];
before(requireDocker);
after(async () => {
  for (const h of harnesses) await h.cleanup();
});

async function frozenPilot(name: string, suspendGrace: string): Promise<{ h: Harness; id: string }> {
  const observer = new FixedObserver({ ncpus: 4 });
  const h = await startDaemon(
    name,
    `max_docks: 1\ncpus_per_dock: 1\nmain_sleep: 1h\ngrace_kill: 0\nsuspend_grace: ${suspendGrace}\n` +
      "resume_after: 0\ngrace_spawn: 1h\ndocker_cmd: sleep 600\n",
    { observer },
  );
  harnesses.push(h);
  const [c] = await waitFor("a running pilot", async () => {
    const cs = await containersOf(h.instance);
    return cs.length === 1 && cs[0]!.State === "running" ? cs : undefined;
  });
  observer.set({ cpu_owner: 1, cpu_total: 1, cpu_pilots: 0 });
  await waitFor("frozen in the kernel", async () => (await kernelFreezeState(c!.Id)) === "frozen");
  assert.equal((await containersOf(h.instance))[0]!.State, "running", "Docker does not see the freeze");
  assert.match(
    h.daemon.snapshot().giveBack?.freeze ?? "",
    /^kernel freezer \(cgroup v[12] /,
    "status says so",
  );
  return { h, id: c!.Id };
}

test("after a daemon restart, a frozen pilot is adopted paused, resumed when the owner is low", async () => {
  const { h, id } = await frozenPilot("freeze-resume", "1h");
  const observer = new FixedObserver({ ncpus: 4 });
  observer.set({ cpu_owner: 1, cpu_total: 1, cpu_pilots: 0 });
  const d = await h.restart({ observer });
  await waitFor("listed paused", () => d.snapshot().pilots.some((p) => p.state === "paused"));
  assert.equal(await kernelFreezeState(id), "frozen", "still frozen while the owner is busy");
  observer.set({ cpu_owner: 0, cpu_total: 0, cpu_pilots: 0 });
  await waitFor("thawed", async () => {
    observer.set({ cpu_owner: 0 });
    return (await kernelFreezeState(id)) === "thawed";
  });
  await waitFor("listed running", async () => {
    await d.tickNow("test");
    return d.snapshot().pilots.find((p) => id.startsWith(p.id))?.state === "running";
  });
});

test("after a daemon restart, a frozen pilot past suspend_grace is killed", async () => {
  const { h, id } = await frozenPilot("freeze-expire", "2");
  const observer = new FixedObserver({ ncpus: 4 });
  observer.set({ cpu_owner: 1, cpu_total: 1, cpu_pilots: 0 });
  await h.restart({ observer });
  const rec = await waitFor(
    "a suspend_expired kill",
    async () => {
      observer.set({ cpu_owner: 1 });
      return (await h.daemon.historyLog().read()).find((r) => r.id === id || id.startsWith(r.id));
    },
    20_000,
  );
  assert.equal(rec.reason, "suspend_expired");
  await waitFor("gone", async () => (await containersOf(h.instance)).every((c) => c.Id !== id));
});
