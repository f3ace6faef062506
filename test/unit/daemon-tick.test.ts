// Whole ticks of the real daemon shell on a fake engine (MemoryEngine) and a fixed host:
// observe, decide, act, with every owner wired as in production but Docker and /proc.
import { after, afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { Daemon } from "../../src/daemon/daemon.js";
import { HostSampling } from "../../src/daemon/owners/host-sampling.js";
import { instanceLabels } from "../../src/daemon/loop/labels.js";
import { procReaders } from "../../src/host/proc-readers.js";
import { MemoryEngine } from "../helpers/memory-engine.js";
import { FixedObserver } from "../helpers/fixed-observer.js";

const IMAGE = "plancton/busybox:local";
const dirs: string[] = [];
let daemon: Daemon | undefined;

async function daemonOn(
  configText: string,
  observer: FixedObserver,
  engine = new MemoryEngine({ images: [IMAGE] }),
) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "plancton-tick-"));
  dirs.push(dir);
  const configFile = path.join(dir, "config.yaml");
  await writeFile(
    configFile,
    `docker_image: ${IMAGE}\ncontainer_prefix: tick\npilot_cpu_priority: normal\nmain_sleep: 1h\nsample_interval: 1h\n${configText}`,
  );
  daemon = new Daemon({
    configFile,
    rundir: path.join(dir, "run"),
    logdir: path.join(dir, "log"),
    engine,
    logger: pino({ level: "silent" }),
    observer,
  });
  await daemon.start();
  return { daemon, engine };
}

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
});
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("the daemon's tick, on a fake engine", () => {
  it("pulls first, then starts what fits; gives the CPU back when the owner takes it", async () => {
    const observer = new FixedObserver({ ncpus: 4, cpu_owner: 0 });
    const { daemon: d, engine } = await daemonOn(
      "max_docks: 2\ncpus_per_dock: 1\ngrace_kill: 0\nsuspend_grace: 0\ngrace_spawn: 1h\n",
      observer,
    );
    await until(() => engine.pilots.size === 2, "two pilots");
    const s = d.snapshot();
    assert.equal(s.image.usable, true, "the pull was an action of the decision");
    assert.equal(s.mode, "active");
    assert.deepEqual(
      s.pilots.map((p) => p.state),
      ["running", "running"],
    );
    observer.set({ cpu_owner: 1, cpu_total: 1 }); // the owner wants every CPU
    await until(() => engine.pilots.size === 0, "the pilots killed");
    const history = await d.historyLog().read();
    assert.deepEqual(
      history.map((r) => r.reason),
      ["overhead", "overhead"],
    );
    assert.equal(d.snapshot().mode, "grace-spawn");
  });

  it("memory pressure with 3 pilots evicts one, not two, on one observation; a newer sample may evict the next", async () => {
    const observer = new FixedObserver({ ncpus: 4, cpu_owner: 0, mem_stall_some: 0, mem_psi_some_avg10: 0 });
    const { daemon: d, engine } = await daemonOn(
      "max_docks: 3\ncpus_per_dock: 1\nmem_pressure_psi: 10\n",
      observer,
    );
    await until(() => engine.pilots.size === 3, "three pilots");
    observer.set({ mem_stall_some: 0.5, mem_psi_some_avg10: 50 }); // the owner stalls on memory: kill at once
    await until(() => engine.pilots.size === 2, "one eviction");
    // Event ticks, main_sleep ticks: every one decides on the same, pre-eviction sample.
    for (let i = 0; i < 3; i++) await d.tickNow("test");
    assert.equal(engine.pilots.size, 2, "one observation, one eviction");
    assert.match(
      d.snapshot().decision.explain.join("\n"),
      /waiting for a sample newer than the last eviction/,
    );
    observer.set({ mem_stall_some: 0.5 }); // a new sample still stalled
    await until(() => engine.pilots.size === 1, "a second eviction on the newer sample");
    assert.deepEqual(
      (await d.historyLog().read()).map((r) => r.reason),
      ["mem_pressure", "mem_pressure"],
    );
  });

  it("pilots left 'created' by a previous run are removed by the first decision, recorded never_started", async () => {
    const engine = new MemoryEngine({ images: [IMAGE] });
    engine.pilots.set("c1", {
      id: "c1",
      name: "tick-c1",
      state: "created",
      createdAtMs: Date.now(),
      image: IMAGE,
      labels: instanceLabels("tick"),
    });
    const { daemon: d } = await daemonOn("max_docks: 0\n", new FixedObserver(), engine);
    await until(async () => (await d.historyLog().read()).length === 1, "the removal recorded");
    assert.equal(engine.pilots.has("c1"), false);
    assert.deepEqual(
      (await d.historyLog().read()).map((r) => r.reason),
      ["never_started"],
    );
  });

  it("a restart still manages the pilots of an instance retired before it (kept in rundir)", async () => {
    const engine = new MemoryEngine({ images: [IMAGE] });
    const { daemon: d } = await daemonOn("max_docks: 1\ncpus_per_dock: 1\n", new FixedObserver(), engine);
    await until(() => engine.pilots.size === 1, "a pilot of instance tick");
    const dir = dirs.at(-1)!;
    const configFile = path.join(dir, "config.yaml");
    await writeFile(configFile, `${await readFile(configFile, "utf8")}instance: tick-b\n`);
    await d.reloadConfig();
    await until(() => d.snapshot().instance === "tick-b", "the new instance in force");
    await d.stop();
    const again = new Daemon({
      configFile,
      rundir: path.join(dir, "run"),
      logdir: path.join(dir, "log"),
      engine,
      logger: pino({ level: "silent" }),
      observer: new FixedObserver(),
    });
    daemon = again;
    await again.start();
    const s = again.snapshot();
    assert.deepEqual(s.retiredInstances, ["tick"]);
    assert.equal(s.pilots.length, 1, "the old instance's pilot is listed and counted");
    assert.equal(engine.pilots.size, 1, "max_docks 1 still counts it: no second pilot");
    // It ends (removed behind the daemon's back): the old instance is let go, for good.
    engine.pilots.clear();
    await again.tickNow("test");
    assert.deepEqual(again.snapshot().retiredInstances, []);
    assert.equal(JSON.parse(await readFile(path.join(dir, "run", "retired-instances"), "utf8")).length, 0);
  });

  it("drain-stop: the exit is the decision's, once no pilot is left; the stop file is cleared", async () => {
    const observer = new FixedObserver();
    const dir = await mkdtemp(path.join(os.tmpdir(), "plancton-tick-"));
    dirs.push(dir);
    await mkdir(path.join(dir, "run"), { mode: 0o700 });
    await writeFile(path.join(dir, "run", "stop"), "");
    await writeFile(
      path.join(dir, "config.yaml"),
      `docker_image: ${IMAGE}\ncontainer_prefix: tick\nmax_docks: 0\nmain_sleep: 1h\n`,
    );
    const d = new Daemon({
      configFile: path.join(dir, "config.yaml"),
      rundir: path.join(dir, "run"),
      logdir: path.join(dir, "log"),
      engine: new MemoryEngine({ images: [IMAGE] }),
      logger: pino({ level: "silent" }),
      observer,
    });
    await d.start();
    assert.equal(
      await Promise.race([d.done, new Promise((r) => setTimeout(() => r("still running"), 10_000))]),
      "drain-stop",
    );
    assert.equal(existsSync(path.join(dir, "run", "stop")), false);
  });
});

describe("host sampling failures", () => {
  it("a reader that fails is said in status and the log, once; its variables keep the last value", async () => {
    const logs: string[] = [];
    const logger = pino({ level: "info" }, { write: (l: string) => void logs.push(l) });
    const readers = {
      ...procReaders(),
      memInfo: async () => {
        throw new Error("EACCES: /proc/meminfo");
      },
    };
    const sampling = new HostSampling({ clock: Date.now, logger, startedAtMs: Date.now(), readers });
    const dir = await mkdtemp(path.join(os.tmpdir(), "plancton-tick-"));
    dirs.push(dir);
    await writeFile(
      path.join(dir, "config.yaml"),
      `docker_image: ${IMAGE}\ncontainer_prefix: tick\nmax_docks: 0\nmain_sleep: 1h\nsample_interval: 1\n`,
    );
    daemon = new Daemon({
      configFile: path.join(dir, "config.yaml"),
      rundir: path.join(dir, "run"),
      logdir: path.join(dir, "log"),
      engine: new MemoryEngine({ images: [IMAGE] }),
      logger,
      sampling,
      placement: new FixedObserver(),
    });
    await daemon.start();
    const warning = daemon.snapshot().configWarnings.find((w) => w.startsWith("host sampling:"));
    assert.match(warning ?? "", /mem reader failing \(EACCES: \/proc\/meminfo\)/);
    await sampling.sample(); // two more samples, the reader failing at each
    await sampling.sample();
    assert.ok(sampling.sampleErrors().length > 0);
    assert.equal(
      logs.filter((l) => l.includes("host sampling: mem: EACCES")).length,
      1,
      "said once, not every sample",
    );
  });
});
