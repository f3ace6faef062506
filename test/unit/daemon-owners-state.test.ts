// One focused test per owner of a fact, continued: ControlWatcher (a change is committed
// through the tick queue, in the order read), ManagedInstances (retired instances stay
// managed until their last pilot ends), ConfigInForce (the one configuration in force),
// and Reconciler.tick() driven directly on a fake engine and a fake clock.
import { GiveBack } from "../../src/daemon/owners/give-back.js";
import { Accounting } from "../../src/daemon/report/accounting.js";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { parseConfigText } from "../../src/config/parse.js";
import { instanceLabels } from "../../src/daemon/loop/labels.js";
import { Reconciler } from "../../src/daemon/loop/reconciler.js";
import { ConfigInForce } from "../../src/daemon/owners/config-in-force.js";
import { localOnly } from "../../src/daemon/owners/config-store.js";
import { ControlWatcher } from "../../src/daemon/owners/control-watcher.js";
import { EngineConnection } from "../../src/daemon/owners/engine-connection.js";
import { GracefulStops } from "../../src/daemon/owners/graceful-stops.js";
import { ImagePuller } from "../../src/daemon/owners/image-puller.js";
import { ManagedInstances } from "../../src/daemon/owners/instances.js";
import { DaemonMetrics } from "../../src/daemon/report/daemon-metrics.js";
import { HistoryLog } from "../../src/daemon/report/history.js";
import { quietLogger } from "../helpers/act-fakes.js";
import { FixedObserver } from "../helpers/fixed-observer.js";
import { MemoryEngine } from "../helpers/memory-engine.js";

const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(path.join(os.tmpdir(), "plancton-owners-"));
  dirs.push(d);
  return d;
};
after(async () => {
  // A kept pilot log may land while the tree is removed (ENOTEMPTY): retry, as the harness does.
  for (const d of dirs) await rm(d, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

const loaded = (text: string) => {
  const file = "/etc/plancton/config.yaml";
  return localOnly({ ...parseConfigText(text, file), file, exists: true, text });
};
const FACTS = { ncpus: 4, ramBytes: 8 * 2 ** 30, swapBytes: 0 };

describe("ControlWatcher", () => {
  it("a read that differs is handed over as a commit; commits apply in the order read", async () => {
    const rundir = await tempDir();
    const commits: (() => Promise<void>)[] = [];
    const control = new ControlWatcher(rundir, quietLogger(), (commit) => commits.push(commit));
    await control.start();
    await writeFile(path.join(rundir, "drain"), "");
    await control.reread();
    await rm(path.join(rundir, "drain"));
    await control.reread();
    await control.reread(); // the same read again: nothing new
    assert.equal(commits.length, 2);
    assert.equal(control.state.draining, false, "not in force before the queue commits it");
    await commits[0]!();
    assert.equal(control.state.draining, true);
    await commits[1]!();
    assert.equal(control.state.draining, false, "the last read wins");
    await control.close();
  });
});

describe("ManagedInstances", () => {
  it("a retired instance stays managed until its last pilot ends, across a restart", async () => {
    const rundir = await tempDir();
    const engine = new MemoryEngine({ images: ["img"] });
    const old = await engine.launch({ name: "old", image: "img", labels: instanceLabels("a") } as never);
    const instances = await ManagedInstances.load("a", rundir, quietLogger());
    await instances.switchTo("b");
    const again = await ManagedInstances.load("b", rundir, quietLogger());
    assert.deepEqual(again.retiredInstances(), ["a"]);
    const listed = await again.list(engine);
    assert.deepEqual([listed.pilots.map((p) => p.id), listed.changed], [[old.id], false]);
    await engine.remove(old.id);
    assert.equal((await again.list(engine)).changed, true, "retired instance dropped: watch again");
    assert.deepEqual(again.retiredInstances(), []);
    assert.deepEqual(again.labels(), instanceLabels("b"));
  });
});

describe("ConfigInForce", () => {
  it("one owner: set() returns the previous values; a rejected edit leaves them in force", () => {
    const inForce = new ConfigInForce(loaded("docker_image: a\nmax_docks: 2\n"), quietLogger(), FACTS);
    assert.equal(inForce.policy.maxDocks, 2);
    const prev = inForce.set(loaded("docker_image: b\nmax_docks: 3\n"), FACTS);
    assert.equal(prev.docker_image, "a");
    assert.equal(inForce.config.docker_image, "b");
    assert.equal(inForce.policy.maxDocks, 3);
    inForce.invalid({ message: "max_docks: not a number" } as never);
    assert.equal(inForce.error, "max_docks: not a number");
    assert.equal(inForce.config.docker_image, "b");
    inForce.recovered(loaded("docker_image: b\nmax_docks: 3\n"));
    assert.equal(inForce.error, undefined);
  });
});

/** A Reconciler over a MemoryEngine and the real owners, on the clock given. */
async function reconcilerOn(engine: MemoryEngine, configText: string, clock: () => number) {
  const logdir = await tempDir();
  const logger = quietLogger();
  const history = new HistoryLog(logdir);
  const inForce = new ConfigInForce(loaded(configText), logger, FACTS);
  const connection = new EngineConnection(engine, logger, clock);
  await connection.connect();
  const observer = new FixedObserver({ ncpus: 4, cpu_owner: 0 });
  let pulled = 0;
  const puller = new ImagePuller("img:1", {
    ...{ engine, logger, clock, engineUp: () => true, onPulled: () => pulled++ },
    requestTick: () => undefined,
  });
  const metrics = new DaemonMetrics("h", logger, clock);
  const giveBack = new GiveBack(
    engine,
    logger,
    observer,
    () => inForce.policy,
    () => undefined,
  );
  const reconciler = new Reconciler({
    ...{ engine, connection, puller, inForce, logger, clock },
    instances: ManagedInstances.inMemory("t"),
    sampling: observer,
    placement: observer,
    control: new ControlWatcher(logdir, logger, () => undefined), // none read: none in force
    stops: new GracefulStops(() => undefined),
    metrics,
    giveBack,
    accounting: new Accounting({
      ...{ logdir, logger, clock, metrics: () => metrics, pilots: () => undefined },
      ...{ keepSeconds: () => 90 * 86400, sample: () => undefined },
    }),
    history,
    host: { hostname: "h", logdir, startedAtMs: clock() },
  });
  return {
    reconciler,
    puller,
    history,
    get pulled() {
      return pulled;
    },
  };
}

describe("Reconciler.tick(), driven directly", () => {
  it("a pilot ends once in the history, even when the engine still lists it after its removal", async () => {
    let now = Date.now();
    const engine = new MemoryEngine({ images: ["img:1"] });
    const config = "docker_image: img:1\ncontainer_prefix: t\nmax_docks: 1\nmax_ttl: 60\nstop_grace: 0\n";
    const { reconciler, puller, history } = await reconcilerOn(engine, config, () => now);
    // The engine's list lags its removals (seen on Docker with the systemd driver): a killed
    // or removed pilot stays listed, exited.
    const lagging = (id: string) => {
      const p = engine.pilots.get(id);
      if (p) p.state = "exited";
    };
    engine.kill = async (id) => lagging(id);
    engine.remove = async (id) => lagging(id);
    const full = { relist: true, allowStart: true, cause: "main_sleep" };
    await reconciler.tick(full);
    while (puller.status().pulling) await new Promise((r) => setImmediate(r));
    await reconciler.tick(full);
    const [id] = [...engine.pilots.keys()];
    assert.ok(id, "one pilot started");
    now += 61_000; // past max_ttl: killed (ttl), then listed again as exited, removed again
    await reconciler.tick(full);
    await reconciler.tick(full);
    await reconciler.tick(full);
    // Appends run one after another: once this one is written, the ticks' are too.
    const ttlRecord = (await history.read()).find((r) => r.id === id);
    await history.append({ ...ttlRecord!, id: "sentinel" });
    const ended = (await history.read()).filter((r) => r.id === id);
    assert.deepEqual(
      ended.map((r) => r.reason),
      ["ttl"],
    );
  });

  it("pulls, then starts; asks to run again soon; the engine down: the reconnect backoff", async () => {
    let now = 1_700_000_000_000;
    const engine = new MemoryEngine({ images: ["img:1"] });
    const config = "docker_image: img:1\ncontainer_prefix: t\nmax_docks: 2\ncpus_per_dock: 1\n";
    const on = await reconcilerOn(engine, config, () => now);
    const { reconciler, puller } = on;
    const full = { relist: true, allowStart: true, cause: "start" };
    assert.deepEqual(await reconciler.tick(full), {}, "no image yet: it asks for the pull");
    while (puller.status().pulling) await new Promise((r) => setImmediate(r));
    assert.equal(on.pulled, 1);
    now += 1000;
    assert.deepEqual(await reconciler.tick({ ...full, cause: "pull" }), {
      requeueAfterMs: 200,
      requeueCause: "event",
    });
    assert.equal(engine.pilots.size, 2);
    assert.equal(reconciler.lastDecision()?.start, 2);
    engine.listPilots = async () => {
      throw new Error("engine gone");
    };
    assert.deepEqual(await reconciler.tick({ ...full, cause: "main_sleep" }), {
      requeueAfterMs: 1000,
      requeueCause: "docker-retry",
    });
    assert.deepEqual(await reconciler.tick({ ...full, cause: "sample" }), {}, "the reconnect owns it");
  });
});
