// The daemon's local files cannot be turned against it (often root): rundir, logdir and
// the directories above them must be its own (else exit 2, saying how to fix it); no file
// it writes under them follows a link planted there; logs are 0640 in a 0750 logdir; a
// control file of another user is ignored, with a warning. Real daemons, real Docker.
import assert from "node:assert/strict";
import {
  chmod,
  chown,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { HistoryLog, type PilotRecord } from "../../src/daemon/report/history.js";
import { createLogger } from "../../src/daemon/process/logger.js";
import { keepPilotLog, pilotLogFile, pilotLogsWritten } from "../../src/daemon/report/pilot-logs.js";
import { createDockerEngine } from "../../src/runtime/index.js";
import { planctonctl } from "../helpers/cli.js";
import { logged, startDaemon, type Harness } from "../helpers/daemon-harness.js";
import { docker, removeInstance, requireDocker, TEST_IMAGE, uniquePrefix } from "../helpers/docker.js";
import { FixedObserver } from "../helpers/fixed-observer.js";
import { waitFor } from "../helpers/wait.js";

const NOBODY = 65534;
const PRECIOUS = "precious: root's own file\n";
const mode = async (p: string) => ((await stat(p)).mode & 0o777).toString(8);

let dir: string;
let victim: string;
const instance = uniquePrefix("localfiles");

before(async () => {
  await requireDocker();
  assert.equal(
    process.getuid?.(),
    0,
    "these tests chown files to another user: run them as root (as CI does)",
  );
  dir = await mkdtemp(path.join(os.tmpdir(), "plancton-localfiles-"));
  victim = path.join(dir, "victim.txt");
  await writeFile(victim, PRECIOUS);
  await writeFile(
    path.join(dir, "config.yaml"),
    `docker_image: ${TEST_IMAGE}\ncontainer_prefix: ${instance}\ndocker_cmd: sleep 600\nmax_docks: 0\nmain_sleep: 1\nmax_dock_mem: 32MiB\npilot_cpu_priority: normal\n`,
  );
});
after(async () => {
  await removeInstance(instance);
  await rm(dir, { recursive: true, force: true });
});

/** planctonctl with its own rundir and logdir under `base`; stops whatever it started. */
async function startIn(base: string, cmd = "start") {
  const flags = [
    "--config",
    path.join(dir, "config.yaml"),
    "--rundir",
    path.join(base, "run"),
    "--logdir",
    path.join(base, "log"),
    "--pidfile",
    path.join(base, "run", "plancton.pid"),
  ];
  try {
    return await planctonctl([...flags, cmd], 60_000);
  } finally {
    await planctonctl([...flags, "stop"]).catch(() => undefined);
  }
}

describe("directories that are not the daemon's own: exit 2, with the fix", () => {
  test("a rundir owned by another user", async () => {
    const base = path.join(dir, "a");
    await mkdir(path.join(base, "run"), { recursive: true, mode: 0o700 });
    await chown(path.join(base, "run"), NOBODY, NOBODY);
    const r = await startIn(base);
    assert.equal(r.code, 2, `${r.stdout}${r.stderr}`);
    assert.match(
      r.stderr,
      new RegExp(
        `rundir ${base}/run is owned by uid ${NOBODY}( \\(\\w+\\))? with mode 0700: .*fix: chown 0 ${base}/run && chmod 0700 ${base}/run`,
      ),
    );
  });

  test("a logdir others can write (nodaemon as systemd runs it)", async () => {
    const base = path.join(dir, "b");
    await mkdir(path.join(base, "log"), { recursive: true });
    await chmod(path.join(base, "log"), 0o777);
    const r = await startIn(base, "nodaemon");
    assert.equal(r.code, 2, `${r.stdout}${r.stderr}`);
    assert.match(
      r.stderr,
      new RegExp(`logdir ${base}/log is owned by uid 0 \\(root\\) with mode 0777: .*chmod 0750 ${base}/log`),
    );
  });

  test("a directory above the rundir that another user owns (it could swap the rundir)", async () => {
    const base = path.join(dir, "c");
    await mkdir(base, { mode: 0o755 });
    await chown(base, NOBODY, NOBODY);
    const r = await startIn(base);
    assert.equal(r.code, 2, `${r.stdout}${r.stderr}`);
    assert.match(
      r.stderr,
      new RegExp(`rundir ${base}/run: ${base}, a directory above it, is owned by uid ${NOBODY}`),
    );
  });

  test("a directory above the logdir that anyone can write (not sticky)", async () => {
    const base = path.join(dir, "f");
    await mkdir(base);
    await chmod(base, 0o777);
    const r = await startIn(base, "nodaemon");
    assert.equal(r.code, 2, `${r.stdout}${r.stderr}`);
    assert.match(
      r.stderr,
      new RegExp(
        `${base}, a directory above it, is owned by uid 0 \\(root\\) with mode 0777.*chmod o-w ${base}`,
      ),
    );
  });

  test("fresh directories and files get their modes: rundir 0700, logdir 0750, logs 0640", async () => {
    const base = path.join(dir, "d");
    const r = await startIn(base);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await mode(path.join(base, "run")), "700");
    assert.equal(await mode(path.join(base, "log")), "750");
    assert.equal(await mode(path.join(base, "log", "start.log")), "640");
    assert.equal(await mode(path.join(base, "log", "plancton.1.log")), "640");
  });
});

describe("links planted in logdir are never followed", () => {
  const record: PilotRecord = {
    id: "x",
    name: "n",
    image: TEST_IMAGE,
    startedAtMs: 0,
    endedAtMs: 1,
    uptimeSeconds: 1,
    exitCode: 0,
    reason: "exited",
  };

  test("history.jsonl: a symlink or a hard link to another file", async () => {
    for (const plant of [symlink, link]) {
      const logdir = await mkdtemp(path.join(dir, "hist-"));
      await plant(victim, path.join(logdir, "history.jsonl"));
      await new HistoryLog(logdir).append(record);
      assert.equal(await readFile(victim, "utf8"), PRECIOUS, `history appended through a ${plant.name}`);
    }
    const logdir = await mkdtemp(path.join(dir, "hist-"));
    await new HistoryLog(logdir).append(record);
    assert.equal(await mode(path.join(logdir, "history.jsonl")), "640");
  });

  test("pilots/<name>.log: the link is replaced by the pilot's output, 0640", async () => {
    const logdir = await mkdtemp(path.join(dir, "pilots-"));
    const name = `${instance}-kept`;
    await mkdir(path.join(logdir, "pilots"));
    await symlink(victim, pilotLogFile(logdir, name));
    const c = await docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ["sh", "-c", "echo token=s3cret"],
      name,
      Labels: { "org.plancton.instance": instance },
    });
    try {
      await c.start();
      await c.wait();
      await keepPilotLog(createDockerEngine(), c.id, name, logdir);
      await pilotLogsWritten();
    } finally {
      await c.remove({ force: true });
    }
    assert.equal(await readFile(victim, "utf8"), PRECIOUS, "the victim untouched");
    assert.ok((await lstat(pilotLogFile(logdir, name))).isFile(), "the link replaced by a file");
    assert.match(await readFile(pilotLogFile(logdir, name), "utf8"), /token=s3cret/);
    assert.equal(await mode(pilotLogFile(logdir, name)), "640");
  });

  test("start.log: start refuses (exit 2) and truncates nothing", async () => {
    const base = path.join(dir, "e");
    await mkdir(path.join(base, "log"), { recursive: true, mode: 0o750 });
    await symlink(victim, path.join(base, "log", "start.log"));
    const r = await startIn(base);
    assert.equal(r.code, 2, `${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /start\.log is a symbolic link/);
    assert.equal(await readFile(victim, "utf8"), PRECIOUS);
  });

  test("the daemon's log (pino-roll): a link under its name is removed, not written through", async () => {
    const logdir = await mkdtemp(path.join(dir, "roll-"));
    await chmod(logdir, 0o750);
    await symlink(victim, path.join(logdir, "plancton.1.log"));
    const logger = await createLogger({ logdir, stderr: false, level: "info" });
    logger.info("a line that must not reach the victim");
    await new Promise<void>((r) => logger.flush(() => r()));
    assert.equal(await readFile(victim, "utf8"), PRECIOUS);
    const log = await waitFor(
      "the log line",
      async () => {
        const t = await readFile(path.join(logdir, "plancton.1.log"), "utf8").catch(() => "");
        return t.includes("must not reach") ? t : undefined;
      },
      10_000,
    );
    assert.match(
      log,
      /plancton\.1\.log was not a plain file of the daemon's \(a symbolic link\): removed, not followed/,
    );
    assert.equal(await mode(path.join(logdir, "plancton.1.log")), "640");
  });
});

describe("control files", () => {
  let h: Harness;
  after(() => h?.cleanup());

  test("a force-stop file of another user, or a symlink, is ignored with a warning", async () => {
    h = await startDaemon("ctlowner", "max_docks: 1\nmain_sleep: 1\ndocker_cmd: sleep 600\n", {
      observer: new FixedObserver(),
    });
    let ended: string | undefined;
    void h.daemon.done.then((r) => (ended = r));
    const file = path.join(h.rundir, "force-stop");
    await writeFile(file, "now\n");
    await chown(file, NOBODY, NOBODY);
    await waitFor(
      "the warning",
      () =>
        logged(h, /force-stop belongs to uid 65534, neither the daemon's user \(uid 0\) nor root: ignored/)
          .length === 1,
      15_000,
    );
    await h.daemon.tickNow("test");
    assert.equal(ended, undefined, "the daemon runs on");
    assert.notEqual(h.daemon.snapshot().mode, "force-stop");
    await rm(file);
    await symlink(victim, file);
    await waitFor(
      "the warning for the link",
      () => logged(h, /force-stop is not a regular file: ignored/).length === 1,
      15_000,
    );
    await h.daemon.tickNow("test");
    assert.equal(ended, undefined, "the daemon runs on");
    await rm(file);
    await writeFile(file, "now\n"); // root's own: obeyed
    assert.equal(await h.daemon.done, "force-stop");
  });
});
