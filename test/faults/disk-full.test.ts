// The full-disk fault: the daemon's log dir, then its run dir, each a real 64 KiB tmpfs
// filled to the last page while the daemon runs on the suite's dockerd. The daemon never
// stops nor stalls: it keeps giving the CPU back (pilots paused, then killed after
// suspend_grace, when the owner loads the CPU), status says the disk is full, and the
// fault clears once space is back.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { formatStatus } from "../../src/cli/format.js";
import { Daemon } from "../../src/daemon/daemon.js";
import { createLogger } from "../../src/daemon/process/logger.js";
import { createDockerEngine } from "../../src/runtime/index.js";
import { docker, removeInstance, requireDocker, TEST_IMAGE, uniquePrefix } from "../helpers/docker.js";
import { FixedObserver } from "../helpers/fixed-observer.js";
import { effectiveState } from "../helpers/kernel-freeze.js";
import { mountSmallTmpfs, type SmallTmpfs } from "../helpers/small-tmpfs.js";
import { waitFor } from "../helpers/wait.js";

const instance = uniquePrefix("diskfull");
const observer = new FixedObserver({ ncpus: 4 });
const mounts: SmallTmpfs[] = [];
let dir: string;
let daemon: Daemon | undefined;
let ended: string | undefined;

/** Every pilot of the test, whichever instance label it has (they all have its name prefix). */
const pilots = () => docker.listContainers({ all: true, filters: { name: [instance] } });
/** As the kernel has them: a give-back pause is the freezer cgroup's, which Docker does not see. */
const states = async () => (await Promise.all((await pilots()).map((c) => effectiveState(c)))).sort();
const diskLines = () => daemon!.snapshot().diskFaults ?? [];

before(async () => {
  await requireDocker();
  dir = await mkdtemp(path.join(os.tmpdir(), "plancton-diskfull-"));
});

after(async () => {
  await daemon?.stop().catch(() => undefined);
  await removeInstance(instance);
  for (const c of await pilots())
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
  for (const m of mounts) m.unmount();
  await rm(dir, { recursive: true, force: true });
});

const config = (name: string) =>
  `docker_image: ${TEST_IMAGE}\ncontainer_prefix: ${instance}\ninstance: ${name}\n` +
  "pilot_cpu_priority: normal\nmax_dock_mem: 32MiB\nmax_docks: 2\ncpus_per_dock: 1\nmain_sleep: 1\n" +
  "grace_kill: 0\nsuspend_grace: 2\nresume_after: 0\ngrace_spawn: 0\ndocker_cmd: sleep 600\n";

/** The owner takes the whole CPU: every pilot paused, then killed after suspend_grace; then lets it go. */
async function giveBack(label: string): Promise<void> {
  await waitFor(
    `${label}: two running pilots`,
    async () => (await states()).join() === "running,running",
    30_000,
  );
  observer.set({ cpu_owner: 1, cpu_total: 1, cpu_pilots: 0 });
  await waitFor(`${label}: both paused`, async () => (await states()).join() === "paused,paused", 15_000);
  await waitFor(
    `${label}: both killed after suspend_grace`,
    async () => {
      observer.set({ cpu_owner: 1 }); // a new sample each poll, as the sampler would
      return (await states()).length === 0;
    },
    30_000,
  );
  observer.set({ cpu_owner: 0, cpu_total: 0, cpu_pilots: 0 });
}

test("a full log dir, then a full run dir: the daemon runs on, gives back, says so, recovers", async () => {
  const logDisk = mountSmallTmpfs(path.join(dir, "log"));
  mounts.push(logDisk);
  const runDisk = mountSmallTmpfs(path.join(dir, "run"));
  mounts.push(runDisk);
  const configFile = path.join(dir, "config.yaml");
  await writeFile(configFile, config(instance));
  const logger = await createLogger({ logdir: logDisk.dir, stderr: false, level: "info" });
  daemon = new Daemon({
    configFile,
    rundir: runDisk.dir,
    logdir: logDisk.dir,
    engine: createDockerEngine(),
    logger,
    observer,
  });
  void daemon.done.then((r) => (ended = r));
  await daemon.start();

  // 1. The log dir is full: the log, the history and the pilots' logs are refused.
  logDisk.fill();
  for (let i = 0; i < 2000; i++) logger.info(`chatter ${i} ${"c".repeat(100)}`);
  await giveBack("log dir full");
  // The first refused write marks the fault (0 lines dropped: sonic-boom keeps it in its
  // buffer); lines are counted as dropped once that buffer is full, so the log goes on.
  const full = await waitFor("status: the log disk full, lines dropped", () => {
    for (let i = 0; i < 200; i++) logger.info(`more chatter ${i} ${"c".repeat(100)}`);
    return diskLines().find((l) => l.startsWith("log ") && !/: 0 lines dropped$/.test(l));
  });
  assert.match(full, /^log disk full since \d{4}-[\d-]+T[\d:.]+Z: \d+ lines dropped$/);
  assert.ok(Number(/: (\d+) lines/.exec(full)![1]) > 0, full);
  assert.match(formatStatus(daemon.snapshot()), /^disk: +log disk full since .*lines dropped$/m);
  assert.equal(ended, undefined, "the daemon runs on");

  // Space is back: the log writes again, the fault is over.
  logDisk.free();
  await waitFor("the log fault cleared", () => !diskLines().some((l) => l.startsWith("log ")), 30_000);
  assert.match(await readFile(path.join(logDisk.dir, "current.log"), "utf8"), /log disk writable again/);

  // 2. The run dir is full: its next write (the retired instance, at a change of instance) is refused.
  runDisk.fill();
  await writeFile(configFile, config(`${instance}-b`));
  await waitFor(
    "status: the run dir disk full",
    () => diskLines().find((l) => l.startsWith("run dir ")),
    30_000,
  );
  await giveBack("run dir full");
  assert.match(diskLines().join("\n"), /^run dir disk full since .*: \d+ writes dropped$/m);
  assert.equal(ended, undefined, "the daemon runs on");
  runDisk.free();
  await writeFile(configFile, config(`${instance}-c`));
  await waitFor("the run dir fault cleared", () => diskLines().length === 0, 30_000);
  await daemon.stop();
  assert.equal(ended, "stopped");
});
