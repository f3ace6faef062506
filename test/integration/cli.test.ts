// planctonctl driven as an admin would, built, as separate processes, on the real engine.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  docker,
  containersOf,
  removeInstance,
  requireDocker,
  TEST_IMAGE,
  uniquePrefix,
} from "../helpers/docker.js";
import { BIN, planctonctl } from "../helpers/cli.js";
import { waitFor } from "../helpers/wait.js";

const instance = uniquePrefix("cli");
let dir: string;
let flags: string[];
let config: string;

// Tiny pilots (cpus_per_dock 0.05) so a busy test machine's own load never stops them.
const LONG = '["sh", "-c", "echo hello from $(hostname); exec sleep 600"]';
const CONFIG = (cmd: string) =>
  `docker_image: ${TEST_IMAGE}\ncontainer_prefix: ${instance}\ndocker_cmd: ${cmd}\nmax_docks: 2\ncpus_per_dock: 0.05\nmain_sleep: 1\nsample_interval: 1\ngrace_spawn: 0\nmax_dock_mem: 32MiB\npilot_cpu_priority: normal\n`;

before(async () => {
  await requireDocker();
  assert.ok(
    existsSync(path.resolve(path.dirname(BIN), "../dist/src/cli/planctonctl.js")),
    "run `npm run build` before the CLI tests",
  );
  dir = await mkdtemp(path.join(os.tmpdir(), "plancton-cli-"));
  config = path.join(dir, "config.yaml");
  await writeFile(config, CONFIG(LONG));
  flags = [
    "--config",
    config,
    "--rundir",
    path.join(dir, "run"),
    "--logdir",
    path.join(dir, "log"),
    "--pidfile",
    path.join(dir, "run", "plancton.pid"),
  ];
});

after(async () => {
  await planctonctl([...flags, "stop"]).catch(() => undefined);
  await removeInstance(instance);
  await rm(dir, { recursive: true, force: true });
});

const running = async () => (await containersOf(instance)).filter((c) => c.State === "running");

describe("an admin's session", () => {
  test("start, then start again says it runs", async () => {
    const r = await planctonctl([...flags, "start"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /plancton started with PID \d+/);
    const again = await planctonctl([...flags, "start"]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already running with PID \d+/);
  });

  test("status shows the pilots, as text and JSON", async () => {
    await waitFor("2 running pilots", async () => (await running()).length === 2, 30_000);
    const text = await planctonctl([...flags, "status"]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /running with PID \d+/);
    assert.match(text.stdout, /pilots: +2 running, 0 paused, max 2/);
    assert.match(text.stdout, /^engine: +Docker \d/m, "the engine, named from its /version");
    assert.match(text.stdout, new RegExp(`${instance}-[a-z0-9]{6} +running`));
    const json = JSON.parse((await planctonctl([...flags, "status", "--json"])).stdout) as {
      running: boolean;
      pilots: { state: string }[];
      mode: string;
    };
    assert.equal(json.running, true);
    assert.equal(json.pilots.filter((p) => p.state === "running").length, 2);
    assert.equal(json.mode, "active");
  });

  test("drain: a pilot killed by hand is not replaced; resume replaces it; history has it", async () => {
    assert.equal((await planctonctl([...flags, "drain"])).code, 0);
    const victim = (await running())[0]!;
    await docker.getContainer(victim.Id).kill();
    await waitFor(
      "the killed pilot removed",
      async () => !(await containersOf(instance)).some((c) => c.Id === victim.Id),
      15_000,
    );
    const status = JSON.parse((await planctonctl([...flags, "status", "--json"])).stdout) as { mode: string };
    assert.equal(status.mode, "draining");
    assert.equal((await running()).length, 1, "not replaced while draining");
    assert.equal((await planctonctl([...flags, "resume"])).code, 0);
    await waitFor("replaced after resume", async () => (await running()).length === 2, 15_000);
    const hist = await planctonctl([...flags, "history", "--json"]);
    const records = JSON.parse(hist.stdout) as { id: string; exitCode: number; reason: string }[];
    const rec = records.find((r) => r.id === victim.Id);
    assert.ok(rec, hist.stdout);
    assert.equal(rec.exitCode, 137);
    assert.equal(rec.reason, "exited");
    assert.match((await planctonctl([...flags, "history"])).stdout, /137 +exited/);
    // Its output outlives it, and a running pilot's output is there too.
    const name = victim.Names[0]!.slice(1);
    const kept = await planctonctl([...flags, "logs", name]);
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(kept.stdout, /^hello from plancton-/m);
    const live = await planctonctl([...flags, "logs", "--tail", "1", (await running())[0]!.Id.slice(0, 12)]);
    assert.match(live.stdout, /^hello from plancton-/m);
    assert.equal((await planctonctl([...flags, "logs", "nonexistent-pilot"])).code, 1);
  });

  test("explain prints the observation variables and the decision", async () => {
    const r = await planctonctl([...flags, "explain"]);
    assert.equal(r.code, 0, r.stderr);
    for (const v of ["cpu_owner", "cpu_pilots", "load1", "mem_available_bytes", "disk_free_ratio", "ncpus"])
      assert.match(r.stdout, new RegExp(`^${v} `, "m"));
    assert.match(r.stdout, /decision:/);
  });

  test("drain-stop with short-lived pilots exits by itself", async () => {
    await writeFile(config, CONFIG("sleep 3"));
    for (const c of await running()) await docker.getContainer(c.Id).remove({ force: true });
    await waitFor("short pilots", async () => (await running()).length === 2, 20_000);
    assert.equal((await planctonctl([...flags, "drain-stop"])).code, 0);
    await waitFor(
      "the daemon gone",
      async () => (await planctonctl([...flags, "status"])).code === 3,
      30_000,
    );
    assert.equal((await containersOf(instance)).length, 0);
  });

  test("start again, then force-stop leaves no pilot", async () => {
    await writeFile(config, CONFIG(LONG));
    assert.equal((await planctonctl([...flags, "force-start"])).code, 0);
    await waitFor("pilots", async () => (await running()).length === 2, 30_000);
    const r = await planctonctl([...flags, "force-stop"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await containersOf(instance)).length, 0);
    assert.equal((await planctonctl([...flags, "status"])).code, 3);
  });
});

describe("edge cases", () => {
  test("stop when stopped, stale pidfile, unknown command, bad flag", async () => {
    const stopped = await planctonctl([...flags, "stop"]);
    assert.equal(stopped.code, 0);
    assert.match(stopped.stdout, /not running/);
    await writeFile(path.join(dir, "run", "plancton.pid"), "999999\n");
    const st = await planctonctl([...flags, "status"]);
    assert.equal(st.code, 3);
    assert.match(st.stdout, /stale pidfile/);
    const stop = await planctonctl([...flags, "stop"]);
    assert.match(stop.stdout, /stale pidfile/);
    assert.equal(existsSync(path.join(dir, "run", "plancton.pid")), false);
    const unknown = await planctonctl(["frobnicate"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    assert.doesNotMatch(unknown.stderr, /at .*\.js:\d+/, "no stack trace");
    assert.equal((await planctonctl(["status", "--bogus"])).code, 2);
  });

  test("an invalid config: start refuses with exit 2 and the line", async () => {
    const bad = path.join(dir, "bad.yaml");
    await writeFile(bad, "main_sleep: soon\n");
    const r = await planctonctl([
      "--config",
      bad,
      "--rundir",
      path.join(dir, "run2"),
      "--logdir",
      path.join(dir, "log2"),
      "--pidfile",
      path.join(dir, "run2", "p.pid"),
      "start",
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml:1:1: main_sleep: "soon" is not a duration/);
  });
});
