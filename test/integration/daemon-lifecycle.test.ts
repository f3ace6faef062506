// The daemon's pilot lifecycle on the real Docker engine: fill, replace, TTL, drain,
// adoption after a restart, leftovers of a killed launch, foreign containers, force-stop.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setControl, clearControl } from "../../src/daemon/owners/control-files.js";
import { instanceLabels } from "../../src/daemon/loop/labels.js";
import { docker, containersOf, requireDocker, TEST_IMAGE, uniquePrefix } from "../helpers/docker.js";
import { FixedObserver } from "../helpers/fixed-observer.js";
import { logged, startDaemon, type Harness } from "../helpers/daemon-harness.js";
import { waitFor } from "../helpers/wait.js";

before(requireDocker);

const running = async (h: Harness) => (await containersOf(h.instance)).filter((c) => c.State === "running");

describe("fill and replace", () => {
  let h: Harness;
  after(() => h.cleanup());

  test("an idle host fills to max_docks, and exited pilots are replaced and recorded", async () => {
    h = await startDaemon(
      "fill",
      "max_docks: 3\ndocks_per_loop: 2\nmain_sleep: 1\ngrace_spawn: 0\ndocker_cmd: sleep 2\n",
      { observer: new FixedObserver() },
    );
    await waitFor("3 running pilots", async () => (await running(h)).length === 3, 20_000);
    const names = (await containersOf(h.instance)).map((c) => c.Names[0]!.slice(1));
    for (const n of names) assert.match(n, new RegExp(`^${h.instance}-[a-z0-9]{6}$`));
    // `sleep 2` exits: each one is removed, recorded with exit code 0, and replaced.
    const records = await waitFor(
      "3 finished pilots in history",
      async () => {
        const r = await h.daemon.historyLog().read();
        return r.length >= 3 ? r : undefined;
      },
      30_000,
    );
    assert.ok(
      records.every((r) => r.reason === "exited" && r.exitCode === 0),
      JSON.stringify(records),
    );
    await waitFor("3 running pilots again", async () => (await running(h)).length === 3, 20_000);
    const all = await containersOf(h.instance);
    assert.ok(all.length <= 3, `never more than max_docks containers: ${all.length}`);
  });
});

describe("TTL, drain and resume", () => {
  let h: Harness;
  after(() => h.cleanup());

  test("a pilot older than max_ttl is killed with reason ttl", async () => {
    h = await startDaemon(
      "ttl",
      "max_docks: 1\nmain_sleep: 1\nmax_ttl: 2\nstop_grace: 0\ndocker_cmd: sleep 600\n",
      { observer: new FixedObserver() },
    );
    const rec = await waitFor(
      "a ttl kill in history",
      async () => (await h.daemon.historyLog().read()).find((r) => r.reason === "ttl"),
      20_000,
    );
    assert.ok(rec.uptimeSeconds >= 2, `uptime ${rec.uptimeSeconds}`);
  });

  test("draining starts nothing; resume replaces", async () => {
    await setControl(h.rundir, "drain");
    await waitFor("mode draining", () => h.daemon.snapshot().mode === "draining", 5000);
    for (const c of await containersOf(h.instance)) await docker.getContainer(c.Id).remove({ force: true });
    await h.daemon.tickNow("test");
    assert.equal((await containersOf(h.instance)).length, 0, "no pilot while draining");
    await clearControl(h.rundir, "drain");
    await waitFor("a pilot after resume", async () => (await running(h)).length === 1, 10_000);
  });
});

describe("restarts", () => {
  let h: Harness;
  after(() => h.cleanup());

  test("a restarted daemon adopts running pilots, cleans never-started ones, ignores foreign containers", async () => {
    h = await startDaemon("adopt", "max_docks: 2\nmain_sleep: 1\ndocker_cmd: sleep 600\n", {
      observer: new FixedObserver(),
    });
    await waitFor("2 running pilots", async () => (await running(h)).length === 2, 20_000);
    await h.stopDaemon();
    const before = (await running(h)).map((c) => c.Id).sort();
    assert.equal(before.length, 2, "pilots survive a daemon stop");
    // What a daemon SIGKILLed between create and start leaves behind, plus a foreign container.
    const leftover = await docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ["sleep", "600"],
      name: `${h.instance}-zzzzzz`,
      Labels: instanceLabels(h.instance),
    });
    const foreign = await docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ["sleep", "600"],
      name: uniquePrefix("foreign"),
      Labels: { "org.plancton.test": h.instance },
    });
    await foreign.start();
    try {
      await h.restart();
      await waitFor(
        "the leftover removed",
        async () => !(await containersOf(h.instance)).some((c) => c.Id === leftover.id),
        10_000,
      );
      await h.daemon.tickNow("test");
      const after = (await running(h)).map((c) => c.Id).sort();
      assert.deepEqual(after, before, "the same two pilots, no duplicate");
      assert.equal((await foreign.inspect()).State.Running, true, "a foreign container is never touched");
      assert.ok(logged(h, /adopted 2 pilot/).length >= 1);
    } finally {
      await foreign.remove({ force: true });
    }
  });

  test("force-stop kills every pilot and stops the daemon", async () => {
    await setControl(h.rundir, "forceStop");
    assert.equal(await h.daemon.done, "force-stop");
    assert.equal((await containersOf(h.instance)).length, 0);
    const reasons = (await h.daemon.historyLog().read()).map((r) => r.reason);
    assert.equal(reasons.filter((r) => r === "force_stop").length, 2);
  });
});

describe("drain-stop", () => {
  let h: Harness;
  after(() => h.cleanup());

  test("drain-stop exits by itself once the short pilots are gone", async () => {
    h = await startDaemon("drainstop", "max_docks: 2\nmain_sleep: 1\ndocker_cmd: sleep 2\n", {
      observer: new FixedObserver(),
    });
    await waitFor("2 running pilots", async () => (await running(h)).length === 2, 20_000);
    await setControl(h.rundir, "drainStop");
    assert.equal(await h.daemon.done, "drain-stop");
    assert.equal((await containersOf(h.instance)).length, 0);
  });
});
