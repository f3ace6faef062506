// The admin's first hour, through the built planctonctl on the real engine: a missing
// --config, control files with and without a daemon, a run dir of 0700, capacity warnings.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { planctonctl } from "../helpers/cli.js";
import { removeInstance, requireDocker, TEST_IMAGE, uniquePrefix } from "../helpers/docker.js";

const instance = uniquePrefix("first");
let dir: string;
let config: string;
let rundir: string;
let flags: string[];

before(async () => {
  await requireDocker();
  dir = await mkdtemp(path.join(os.tmpdir(), "plancton-first-"));
  config = path.join(dir, "config.yaml");
  rundir = path.join(dir, "run");
  await writeFile(
    config,
    `docker_image: ${TEST_IMAGE}\ncontainer_prefix: ${instance}\ndocker_cmd: ["sleep", "600"]\nmax_docks: 1\ncpus_per_dock: 0.05\nmain_sleep: 1\nmax_dock_mem: 32MiB\npilot_cpu_priority: normal\n`,
  );
  // As `npm start` lays them out: the log dir and the pidfile inside the run dir.
  flags = [
    "--config",
    config,
    "--rundir",
    rundir,
    "--logdir",
    path.join(rundir, "log"),
    "--pidfile",
    path.join(rundir, "plancton.pid"),
  ];
});

after(async () => {
  await planctonctl([...flags, "stop"]).catch(() => undefined);
  await removeInstance(instance);
  await rm(dir, { recursive: true, force: true });
});

describe("a config path", () => {
  test("named and missing is an error (exit 2), in config check too", async () => {
    const missing = path.join(dir, "nope.yaml");
    const check = await planctonctl(["config", "check", missing]);
    assert.equal(check.code, 2, check.stdout);
    assert.match(check.stderr, /nope\.yaml: no such file: give the path of an existing config file/);
    const flag = await planctonctl(["--config", missing, "--rundir", path.join(dir, "r2"), "start"]);
    assert.equal(flag.code, 2, flag.stdout);
    assert.match(flag.stderr, /nope\.yaml: no such file/);
    assert.ok(!existsSync(path.join(dir, "r2")), "nothing started, nothing written");
  });

  test("the default one absent means the defaults, and says so", async () => {
    const r = await planctonctl(["--confdir", path.join(dir, "empty-conf"), "config", "check"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /empty-conf\/config\.yaml: absent: the defaults apply/);
  });
});

describe("control files with no daemon", () => {
  test("drain-stop leaves nothing behind and says so; drain and resume say it is not running", async () => {
    const ds = await planctonctl([...flags, "drain-stop"]);
    assert.equal(ds.code, 0);
    assert.match(ds.stdout, /plancton is not running: nothing to drain-stop/);
    assert.deepEqual(existsSync(rundir) ? await readdir(rundir) : [], []);
    const d = await planctonctl([...flags, "drain"]);
    assert.match(
      d.stdout,
      /plancton is not running: the drain file is set \(.*\/run\/drain\), so the next start starts no pilot until planctonctl resume/,
    );
    const r = await planctonctl([...flags, "resume"]);
    assert.match(r.stdout, /plancton is not running: removed the drain file; pilots start at the next start/);
    assert.match(
      (await planctonctl([...flags, "resume"])).stdout,
      /plancton is not running; it was not draining: nothing to resume/,
    );
  });

  test("a start after a drain says it drains, since when and how to end it; a leftover stop file is removed, not obeyed", async () => {
    await planctonctl([...flags, "drain"]);
    await writeFile(path.join(rundir, "stop"), "left by a daemon killed mid drain-stop\n");
    const r = await planctonctl([...flags, "start"]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /removed the drain-stop file left in .* by a daemon that is gone/);
    assert.match(
      r.stdout,
      /plancton started with PID \d+\ndraining \(since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, by the drain file \S+\/run\/drain; planctonctl resume to end it\)/,
    );
    const s = await planctonctl([...flags, "status"]);
    assert.match(
      s.stdout,
      /mode: +draining \(since .*, by the drain file .*; planctonctl resume to end it\)/,
    );
    assert.equal(
      (await stat(rundir)).mode & 0o777,
      0o700,
      "the run dir is 0700 even with the log dir inside it",
    );
    assert.match((await planctonctl([...flags, "resume"])).stdout, /^resumed: pilots may start again/);
    assert.equal((await planctonctl([...flags, "stop"])).code, 0);
  });
});

describe("configurations that run nothing", () => {
  test("config check warns, naming the key to change", async () => {
    const file = path.join(dir, "big.yaml");
    await writeFile(file, 'max_docks: "ncpus - 1000"\ncpus_per_dock: 1000\nmax_dock_mem: 1000TiB\n');
    const r = await planctonctl(["config", "check", file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /warning: max_docks "ncpus - 1000" is 0 with \d+ CPUs?: no pilot will ever start; set max_docks to a number \(max_docks: 1\)/,
    );
    assert.match(
      r.stderr,
      /warning: cpus_per_dock 1000 is more than a pilot can get on this host .*: no pilot will ever fit; set cpus_per_dock to [\d.]+ or less/,
    );
    assert.match(
      r.stderr,
      /warning: max_dock_mem 1000 TiB is more than this host's RAM .*; set max_dock_mem below it/,
    );
  });

  test("a string docker_cmd with shell syntax is refused with what to write", async () => {
    const file = path.join(dir, "cmd.yaml");
    await mkdir(dir, { recursive: true });
    await writeFile(file, 'docker_cmd: "echo hi; sleep 60"\n');
    const r = await planctonctl(["config", "check", file]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /cmd\.yaml:1:1: docker_cmd: "echo hi; sleep 60": ";" is shell syntax and pilots run without a shell: write the command as a list/,
    );
    await writeFile(file, 'docker_cmd: /bin/sh -c "echo hi; sleep 60\n');
    assert.match((await planctonctl(["config", "check", file])).stderr, /a double quote is not closed/);
  });
});
