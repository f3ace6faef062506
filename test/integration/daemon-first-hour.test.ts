// The daemon in an admin's first hour, on the real engine: pilots that exit at once (few
// launches, a status that says why, a history reason; a string docker_cmd split as a shell
// splits it), and configurations that can run nothing, said in status.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, test } from "node:test";
import pino from "pino";
import { formatStatus } from "../../src/cli/format.js";
import { Daemon } from "../../src/daemon/daemon.js";
import { createDockerEngine } from "../../src/runtime/index.js";
import { startDaemon, logged, type Harness } from "../helpers/daemon-harness.js";
import { requireDocker } from "../helpers/docker.js";
import { FixedObserver } from "../helpers/fixed-observer.js";
import { waitFor } from "../helpers/wait.js";

let h: Harness | undefined;
after(async () => h?.cleanup());

test('docker_cmd sh -c "echo boom; exit 3": a few launches, and status says why', async () => {
  await requireDocker();
  // A string command with shell quotes: split as a shell would (it was split on spaces).
  h = await startDaemon(
    "crashloop",
    'docker_cmd: sh -c "echo boom; exit 3"\nmax_docks: 2\ncpus_per_dock: 0.05\nmain_sleep: 1\ngrace_spawn: 0\n',
    { observer: new FixedObserver() },
  );
  const daemon = h.daemon;
  const why = await waitFor(
    "the crash loop in the decision",
    () => daemon.snapshot().decision.explain.find((l) => l.includes("pilots exit at once")),
    90_000,
    200,
  );
  assert.match(
    why,
    /pilots exit at once \(code 3, last output: "boom"\): see planctonctl logs pt-crashloop-[0-9a-f]{6}-[a-z0-9]{6}/,
  );
  const started = () => logged(h!, /^started pilot /).length;
  const before = started();
  // Without a backoff this window held about 20 launches; with it, at most two probes.
  await sleep(12_000);
  const during = started() - before;
  assert.ok(during <= 2, `${during} launches in 12 s while pilots exit at once`);
  const records = await daemon.historyLog().read();
  assert.ok(records.length >= 2, JSON.stringify(records));
  for (const r of records) {
    assert.equal(r.exitCode, 3, JSON.stringify(r));
    assert.equal(r.reason, "fast_exit");
  }
  assert.ok(["crash-loop", "active"].includes(daemon.snapshot().mode), daemon.snapshot().mode);
  assert.equal(logged(h, /pilots exit at once .* growing backoff/).length, 1, "said once in the log");
});

test("max_docks that evaluates to 0 and a pilot bigger than the host: warnings in status, naming the key", async () => {
  await requireDocker();
  const small = await startDaemon("capacity", 'max_docks: "ncpus - 4"\ncpus_per_dock: 8\n', {
    observer: new FixedObserver({ ncpus: 4 }),
  });
  try {
    const warnings = small.daemon.snapshot().configWarnings.join("\n");
    assert.match(
      warnings,
      /max_docks "ncpus - 4" is 0 with 4 CPUs: no pilot will ever start; set max_docks to a number \(max_docks: 1\)/,
    );
    assert.match(
      warnings,
      /cpus_per_dock 8 is more than a pilot can get on this host \(0\.95 x 4 CPUs = 3\.8\): no pilot will ever fit; set cpus_per_dock to 3\.8 or less/,
    );
    assert.equal(logged(small, /max_docks "ncpus - 4" is 0/).length, 1, "logged once at start");
  } finally {
    await small.cleanup();
  }
});

test("no config file at the default path: the defaults, and status says so", async () => {
  await requireDocker();
  const dir = await mkdtemp(path.join(os.tmpdir(), "plancton-absent-"));
  const logger = pino({ level: "silent" });
  // A busy owner (cpu_owner 1): nothing fits, so the default instance starts no pilot here.
  const daemon = new Daemon({
    configFile: path.join(dir, "conf", "config.yaml"),
    rundir: path.join(dir, "run"),
    logdir: path.join(dir, "log"),
    engine: createDockerEngine(),
    logger,
    observer: new FixedObserver({ cpu_owner: 1 }),
  });
  try {
    await daemon.start();
    const s = daemon.snapshot();
    assert.equal(s.configAbsent, true);
    assert.match(
      formatStatus(s),
      new RegExp(`config: +${dir}/conf/config\\.yaml absent: the defaults apply`),
    );
  } finally {
    await daemon.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
