// A pilot frozen through the kernel's freezer across a restart of the engine (the suite's
// OWN dockerd, dockerd.ts; never the host's): never left frozen and forgotten.
//   - a plain restart stops the containers: the frozen pilot's end is recorded, it is
//     replaced, and nothing of the instance stays frozen in the kernel;
//   - with --live-restore the frozen pilot outlives dockerd: the daemon lists it paused
//     whatever dockerd restores it as, and resumes it when the owner is low.
// The private dockerd is given back with its own arguments after the second case.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { containersOf, removeInstance, requireDocker } from "../helpers/docker.js";
import { FixedObserver } from "../helpers/fixed-observer.js";
import { startDaemon, type Harness } from "../helpers/daemon-harness.js";
import { kernelFreezeState } from "../helpers/kernel-freeze.js";
import { waitFor } from "../helpers/wait.js";
import { privateDockerd, startDockerd, stopDockerd, type PrivateDockerd } from "./dockerd.js";

const CONFIG =
  "max_docks: 1\ncpus_per_dock: 1\nmain_sleep: 2\ngrace_kill: 0\nsuspend_grace: 1h\nresume_after: 0\n" +
  "grace_spawn: 0\ndocker_cmd: sleep 600\n";

describe("frozen pilots across a restart of the engine", { timeout: 400_000 }, () => {
  let d: PrivateDockerd;
  const harnesses: Harness[] = [];
  before(async () => {
    d = privateDockerd();
    await requireDocker();
  });
  after(async () => {
    for (const h of harnesses) await h.stopDaemon().catch(() => undefined);
    await stopDockerd(d).catch(() => undefined);
    await startDockerd(d); // the suite's dockerd as it was, whatever happened
    for (const h of harnesses) await h.cleanup();
  });

  /** A daemon whose one pilot the owner's load has frozen in the kernel. */
  async function frozen(name: string): Promise<{ h: Harness; id: string; observer: FixedObserver }> {
    const observer = new FixedObserver({ ncpus: 4 });
    const h = await startDaemon(name, CONFIG, { observer });
    harnesses.push(h);
    const [c] = await waitFor(
      "a running pilot",
      async () => {
        const cs = await containersOf(h.instance);
        return cs.length === 1 && cs[0]!.State === "running" ? cs : undefined;
      },
      60_000,
    );
    observer.set({ cpu_owner: 1, cpu_total: 1, cpu_pilots: 0 });
    await waitFor("frozen in the kernel", async () => (await kernelFreezeState(c!.Id)) === "frozen");
    return { h, id: c!.Id, observer };
  }

  test("a plain engine restart: the frozen pilot ends, is replaced, none left frozen", async () => {
    const { h, id, observer } = await frozen("frz-restart");
    await stopDockerd(d);
    await startDockerd(d);
    observer.set({ cpu_owner: 0, cpu_total: 0, cpu_pilots: 0 });
    await waitFor(
      "the frozen pilot's end recorded",
      async () => (await h.daemon.historyLog().read()).some((r) => id.startsWith(r.id) || r.id === id),
      120_000,
    );
    const next = await waitFor(
      "a new running pilot",
      async () => {
        observer.set({ cpu_owner: 0 });
        const cs = (await containersOf(h.instance)).filter((c) => c.State === "running" && c.Id !== id);
        return cs.length === 1 ? cs[0] : undefined;
      },
      120_000,
    );
    for (const c of await containersOf(h.instance))
      assert.notEqual(await kernelFreezeState(c.Id), "frozen", `${c.Names[0]} left frozen`);
    assert.equal(await kernelFreezeState(next.Id), "thawed");
    await h.stopDaemon();
    await removeInstance(h.instance);
  });

  test("with live-restore: the frozen pilot outlives dockerd, is listed paused, and resumed", async () => {
    const live = { ...d, args: [...d.args, "--live-restore"] };
    await stopDockerd(d);
    await startDockerd(live);
    const { h, id, observer } = await frozen("frz-live");
    await stopDockerd(live);
    await startDockerd(live);
    assert.equal(await kernelFreezeState(id), "frozen", "live-restore keeps the container, frozen");
    const restored = (await containersOf(h.instance)).find((c) => c.Id === id);
    assert.ok(restored, "the frozen pilot outlived dockerd");
    await waitFor(
      "listed paused by the daemon",
      async () => {
        await h.daemon.tickNow("test");
        return h.daemon.snapshot().pilots.find((p) => id.startsWith(p.id))?.state === "paused";
      },
      60_000,
    );
    observer.set({ cpu_owner: 0, cpu_total: 0, cpu_pilots: 0 });
    await waitFor(
      "thawed",
      async () => {
        observer.set({ cpu_owner: 0 });
        return (await kernelFreezeState(id)) === "thawed";
      },
      60_000,
    );
    await waitFor(
      "running as Docker and the daemon see it",
      async () => {
        await h.daemon.tickNow("test");
        const c = (await containersOf(h.instance)).find((x) => x.Id === id);
        return c?.State === "running" && h.daemon.snapshot().pilots.some((p) => p.state === "running");
      },
      60_000,
    );
  });
});
