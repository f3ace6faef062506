// The daemon through the faults of a real host, on the real Docker engine:
//   - Docker unreachable at start and mid-run: the daemon's engine talks to a unix-socket
//     proxy (test/helpers/docker-proxy.ts) that is cut and restored, so the real dockerd,
//     which other tests use, is never stopped (the fault suite, npm run test:faults, also
//     restarts the real dockerd);
//   - an image that cannot be pulled, then a config edit to a usable one;
//   - pilots removed or killed behind the daemon's back; foreign containers next to them;
//   - the leftovers of a daemon killed mid-launch (created, never started).
// Every wait is a condition with a generous deadline; every container is removed after.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import type Docker from "dockerode";
import { instanceLabels, LABEL_INSTANCE } from "../../src/daemon/loop/labels.js";
import { createDockerEngine } from "../../src/runtime/index.js";
import {
  containersOf,
  docker,
  removeInstance,
  requireDocker,
  TEST_IMAGE,
  uniquePrefix,
} from "../helpers/docker.js";
import { createDockerProxy, type DockerProxy } from "../helpers/docker-proxy.js";
import { FixedObserver } from "../helpers/fixed-observer.js";
import { logged, startDaemon, type Harness } from "../helpers/daemon-harness.js";
import { waitFor } from "../helpers/wait.js";

before(requireDocker);

const BAD_IMAGE = "plancton/nonexistent:nope";
const PILOTS = "max_docks: 2\nmain_sleep: 1\ngrace_spawn: 0\ndocker_cmd: sleep 600\n";

const running = async (h: Harness) => (await containersOf(h.instance)).filter((c) => c.State === "running");
const ids = (cs: Docker.ContainerInfo[]) => cs.map((c) => c.Id).sort();

/** Resolves after the daemon has completed `n` more reconciliations (its lastTick moved n times). */
async function ticks(h: Harness, n: number, timeoutMs = 30_000): Promise<void> {
  const seen = new Set<number>();
  const first = h.daemon.snapshot().lastTick?.atMs;
  await waitFor(
    `${n} more ticks of the daemon`,
    () => {
      const at = h.daemon.snapshot().lastTick?.atMs;
      if (at !== undefined && at !== first) seen.add(at);
      return seen.size >= n;
    },
    timeoutMs,
  );
}

/** Records how the daemon ended, if it does: none of these faults may end it. */
function watchExit(h: Harness): () => string | undefined {
  let reason: string | undefined;
  void h.daemon.done.then((r) => (reason = r));
  return () => reason;
}

/** Runs a foreign container (sleep 600) that the daemon must never touch. */
async function foreignContainer(name: string, labels: Record<string, string>): Promise<Docker.Container> {
  const c = await docker.createContainer({
    Image: TEST_IMAGE,
    Cmd: ["sleep", "600"],
    name,
    Labels: labels,
    HostConfig: { Memory: 32 * 2 ** 20 },
  });
  await c.start();
  return c;
}

describe("Docker unreachable at start and mid-run (socket proxy cut and restored)", () => {
  let h: Harness | undefined;
  let proxy: DockerProxy | undefined;
  let engine: ReturnType<typeof createDockerEngine>;
  let exitReason: () => string | undefined;
  let pilotIds: string[] = [];
  after(async () => {
    await h?.cleanup();
    await proxy?.close();
  });

  test("down at start: the daemon stays up, waits, says so once, and keeps retrying", async () => {
    proxy = await createDockerProxy();
    engine = createDockerEngine({ socketPath: proxy.path, timeoutMs: 10_000 });
    h = await startDaemon("fault-nodocker", PILOTS, { engine, observer: new FixedObserver() });
    exitReason = watchExit(h);
    assert.equal(h.daemon.snapshot().mode, "waiting-for-docker");
    // Several more attempts (the retry backoff and main_sleep both ask again).
    const calls0 = engine.apiCalls;
    await waitFor("3 more attempts to reach Docker", () => engine.apiCalls >= calls0 + 3, 30_000);
    const s = h.daemon.snapshot();
    assert.equal(s.mode, "waiting-for-docker");
    assert.equal(s.docker.available, false);
    assert.match(
      s.docker.lastError ?? "",
      new RegExp(`not reachable at unix://${proxy.path}`),
      "the error names the socket",
    );
    assert.equal(
      logged(h, /waiting for Docker/).length,
      1,
      `"waiting for Docker" is logged once, not at every attempt: ${JSON.stringify(logged(h, /waiting for Docker/))}`,
    );
    assert.equal((await containersOf(h.instance)).length, 0);
    assert.equal(exitReason(), undefined, "the daemon is still running");
  });

  test("Docker comes up: pilots appear, with no duplicate", async () => {
    assert.ok(h && proxy);
    await proxy.start();
    const up = await waitFor(
      "2 running pilots once Docker answers",
      async () => {
        const r = await running(h!);
        return r.length === 2 ? r : undefined;
      },
      30_000,
    );
    await waitFor("mode active", () => h!.daemon.snapshot().mode === "active", 10_000);
    pilotIds = ids(up);
    assert.equal((await containersOf(h.instance)).length, 2, "exactly max_docks containers");
  });

  test("down mid-run: pilots keep running, the daemon waits (logged once more) and does not exit", async () => {
    assert.ok(h && proxy);
    await proxy.stop();
    await waitFor(
      "mode waiting-for-docker",
      () => h!.daemon.snapshot().mode === "waiting-for-docker",
      15_000,
    );
    const calls0 = engine.apiCalls;
    await waitFor("3 more attempts to reach Docker", () => engine.apiCalls >= calls0 + 3, 30_000);
    assert.equal(
      logged(h, /waiting for Docker/).length,
      2,
      `once per outage: ${JSON.stringify(logged(h, /waiting for Docker/))}`,
    );
    // Checked through the real socket: the pilots never noticed.
    assert.deepEqual(
      ids(await running(h)),
      pilotIds,
      "the same pilots keep running while the daemon cannot reach Docker",
    );
    assert.equal(exitReason(), undefined, "the daemon is still running");
  });

  test("up again: the same pilots, count at max, no duplicate", async () => {
    assert.ok(h && proxy);
    await proxy.start();
    await waitFor("mode active again", () => h!.daemon.snapshot().mode === "active", 30_000);
    await h.daemon.tickNow("test");
    await ticks(h, 2);
    const all = await containersOf(h.instance);
    assert.equal(
      all.length,
      2,
      `exactly max_docks containers of the instance: ${all.map((c) => `${c.Names[0]} ${c.State}`).join(", ")}`,
    );
    assert.deepEqual(ids(all), pilotIds, "the pilots of before the outage, adopted, none added");
    assert.equal(h.daemon.snapshot().pilots.length, 2);
    assert.equal(exitReason(), undefined);
  });
});

describe("Docker gone between a pilot's create and its start", () => {
  let h: Harness | undefined;
  let proxy: DockerProxy | undefined;
  after(async () => {
    await h?.cleanup();
    await proxy?.close();
  });

  test("the pilots the cut launch left created are removed as soon as Docker is back, and the count is back at max", async () => {
    proxy = await createDockerProxy({ start: true });
    const engine = createDockerEngine({ socketPath: proxy.path, timeoutMs: 10_000 });
    // Docker vanishes at the first pilot start: its create answered, its start (and the
    // removal the launch then tries) cannot.
    const cut = proxy.stopOnRequest(/^POST \S*\/containers\/[^/ ]+\/start[? ]/);
    h = await startDaemon("fault-cut", PILOTS, { engine, observer: new FixedObserver() });
    const exitReason = watchExit(h);
    let cutLine: string | undefined;
    void cut.then((line) => (cutLine = line));
    await waitFor("the proxy to cut a pilot's start", () => cutLine !== undefined, 20_000);
    await waitFor(
      "mode waiting-for-docker",
      () => h!.daemon.snapshot().mode === "waiting-for-docker",
      20_000,
    );
    const leftovers = (await containersOf(h.instance)).filter((c) => c.State === "created").map((c) => c.Id);
    assert.ok(
      leftovers.length >= 1,
      "the cut launch left a created, never started pilot (the fault happened)",
    );
    await proxy.start();
    await waitFor(
      "2 running pilots and nothing else",
      async () => {
        const all = await containersOf(h!.instance);
        return all.length === 2 && all.every((c) => c.State === "running");
      },
      20_000,
    ).catch((err: Error) => {
      throw new Error(
        `BUG: ${err.message}: a pilot left created by a launch that Docker's outage cut (start and cleanup both failed) still counts as a pilot after Docker is back, until NEVER_STARTED_SECONDS (60 s) pass, so the daemon stays below max_docks for a minute; src/daemon/daemon.ts only removes created pilots at its very first listing (adopt)`,
      );
    });
    const records = await h.daemon.historyLog().read();
    for (const id of leftovers)
      assert.ok(
        records.some((r) => r.id === id && r.reason === "never_started"),
        "each leftover recorded as never started",
      );
    assert.equal(exitReason(), undefined);
  });
});

describe("image pull fails", () => {
  let h: Harness | undefined;
  after(() => h?.cleanup());

  test("an unknown image: no pilot, a clear one-line log, the daemon up", async () => {
    h = await startDaemon("fault-pull", PILOTS, { observer: new FixedObserver(), start: false });
    const good = await readFile(h.configFile, "utf8");
    await writeFile(h.configFile, good.replace(`docker_image: ${TEST_IMAGE}`, `docker_image: ${BAD_IMAGE}`));
    await h.daemon.start();
    const exitReason = watchExit(h);
    const line = await waitFor(
      "the failed pull logged",
      () => logged(h!, /pull of plancton\/nonexistent:nope failed/)[0],
      30_000,
    );
    assert.match(
      line,
      /^pull of plancton\/nonexistent:nope failed and no local copy: no new pilot until it succeeds: .+/,
    );
    assert.doesNotMatch(line, /\n/, "one line");
    await ticks(h, 2);
    assert.equal((await containersOf(h.instance)).length, 0, "no pilot without an image");
    const s = h.daemon.snapshot();
    assert.equal(s.mode, "no-image");
    assert.equal(s.image.usable, false);
    assert.equal(
      logged(h, /pull of plancton\/nonexistent:nope failed/).length,
      1,
      "the same failure is not logged again at every tick",
    );
    assert.equal(exitReason(), undefined);
  });

  test("the config edited to a usable image: its pull is tried at once and pilots start (hot reload)", async () => {
    assert.ok(h);
    const text = await readFile(h.configFile, "utf8");
    await writeFile(h.configFile, text.replace(`docker_image: ${BAD_IMAGE}`, `docker_image: ${TEST_IMAGE}`));
    await waitFor(
      "2 running pilots on the local image",
      async () => (await running(h!)).length === 2,
      40_000,
    );
    // The new image is pulled without the old one's backoff: test/unit/daemon-owners.test.ts
    // ("a new image resets the pull backoff"); how long it takes is bench/ material.
  });
});

describe("the image edited to an unknown one while pilots run", () => {
  let h: Harness | undefined;
  after(() => h?.cleanup());

  test("running pilots continue and none is added; edited back: replaced", async () => {
    h = await startDaemon("fault-pull2", PILOTS, { observer: new FixedObserver() });
    const exitReason = watchExit(h);
    const before = ids(
      await waitFor(
        "2 running pilots",
        async () => {
          const r = await running(h!);
          return r.length === 2 ? r : undefined;
        },
        30_000,
      ),
    );
    const good = await readFile(h.configFile, "utf8");
    await writeFile(h.configFile, good.replace(`docker_image: ${TEST_IMAGE}`, `docker_image: ${BAD_IMAGE}`));
    await waitFor("the edit applied", () => logged(h!, /configuration reloaded/).length >= 1, 10_000);
    await ticks(h, 2);
    assert.deepEqual(ids(await running(h)), before, "running pilots keep their image and keep running");
    // A pilot removed behind the daemon's back is not replaced while the wanted image is not usable.
    await docker.getContainer(before[0]!).remove({ force: true });
    await ticks(h, 3);
    assert.deepEqual(
      ids(await containersOf(h.instance)),
      [before[1]!],
      "no new pilot without a usable image",
    );
    await writeFile(h.configFile, good);
    await waitFor("2 running pilots again", async () => (await running(h!)).length === 2, 30_000);
    assert.equal((await containersOf(h.instance)).length, 2);
    assert.equal(exitReason(), undefined);
  });
});

describe("pilots removed or killed behind the daemon's back; foreign containers", () => {
  let h: Harness | undefined;
  const foreign: Docker.Container[] = [];
  const other = uniquePrefix("other");
  after(async () => {
    await h?.cleanup();
    for (const c of foreign) await c.remove({ force: true }).catch(() => undefined);
    await removeInstance(other);
  });

  test("a removed pilot is replaced, a killed one recorded and replaced; foreign containers are never touched", async () => {
    h = await startDaemon("fault-behind", PILOTS, { observer: new FixedObserver(), start: false });
    // No Plancton label at all, but our name prefix; and another instance's pilot.
    foreign.push(await foreignContainer(`${h.instance}-nolabl`, { "org.plancton.test": "foreign" }));
    foreign.push(await foreignContainer(`${other}-abcdef`, instanceLabels(other)));
    const startedAt = await Promise.all(foreign.map(async (c) => (await c.inspect()).State.StartedAt));
    await h.daemon.start();
    const exitReason = watchExit(h);
    const first = ids(
      await waitFor(
        "2 running pilots",
        async () => {
          const r = await running(h!);
          return r.length === 2 ? r : undefined;
        },
        30_000,
      ),
    );

    await docker.getContainer(first[0]!).remove({ force: true });
    const second = ids(
      await waitFor(
        "the removed pilot replaced",
        async () => {
          const r = await running(h!);
          return r.length === 2 && !r.some((c) => c.Id === first[0]) ? r : undefined;
        },
        20_000,
      ),
    );
    assert.ok(second.includes(first[1]!), "the other pilot is untouched");

    const victim = second.find((id) => id !== first[1])!;
    await docker.getContainer(victim).kill();
    await waitFor(
      "the killed pilot replaced",
      async () => {
        const all = await containersOf(h!.instance);
        return (
          all.length === 2 && all.every((c) => c.State === "running") && !all.some((c) => c.Id === victim)
        );
      },
      20_000,
    );
    const rec = await waitFor(
      "the killed pilot in history",
      async () => (await h!.daemon.historyLog().read()).find((r) => r.id === victim),
      10_000,
    );
    assert.equal(rec.reason, "exited");
    assert.equal(rec.exitCode, 137, "SIGKILL's exit code");

    await ticks(h, 2);
    assert.equal(
      (await containersOf(h.instance)).length,
      2,
      "exactly max_docks containers: the foreign ones are not counted",
    );
    for (const [i, c] of foreign.entries()) {
      const info = await c.inspect();
      assert.equal(info.State.Running, true, `foreign container ${info.Name} is still running`);
      assert.equal(info.State.StartedAt, startedAt[i], `foreign container ${info.Name} was not restarted`);
    }
    assert.equal((await containersOf(other)).length, 1, "the other instance's pilot is still there");
    assert.equal(exitReason(), undefined);
  });
});

describe("the leftovers of a daemon killed mid-launch", () => {
  let h: Harness | undefined;
  after(() => h?.cleanup());

  test("created-never-started pilots are removed at start; a running one is adopted; no duplicate", async () => {
    h = await startDaemon("fault-leftover", PILOTS, { observer: new FixedObserver(), start: false });
    const labels = instanceLabels(h.instance);
    const mk = (suffix: string) =>
      docker.createContainer({
        Image: TEST_IMAGE,
        Cmd: ["sleep", "600"],
        name: `${h!.instance}-${suffix}`,
        Labels: labels,
        HostConfig: { Memory: 32 * 2 ** 20 },
      });
    // What a SIGKILL between create and start leaves: two created, one already started.
    const started = await mk("aaaaaa");
    await started.start();
    const leftovers = [await mk("bbbbbb"), await mk("cccccc")];
    await h.daemon.start();
    const exitReason = watchExit(h);
    await waitFor(
      "both leftovers removed",
      async () => {
        const all = await containersOf(h!.instance);
        return !all.some((c) => leftovers.some((l) => l.id === c.Id));
      },
      20_000,
    );
    const all = await waitFor(
      "2 running pilots",
      async () => {
        const cs = await containersOf(h!.instance);
        return cs.length === 2 && cs.every((c) => c.State === "running") ? cs : undefined;
      },
      30_000,
    );
    assert.ok(
      all.some((c) => c.Id === started.id),
      "the started pilot was adopted, not replaced",
    );
    await ticks(h, 2);
    const now = await containersOf(h.instance);
    assert.equal(
      now.length,
      2,
      `no duplicate: ${now.map((c) => `${c.Names[0]} ${c.State} ${c.Labels[LABEL_INSTANCE]}`).join(", ")}`,
    );
    const records = await h.daemon.historyLog().read();
    assert.deepEqual(
      records
        .filter((r) => r.reason === "never_started")
        .map((r) => r.id)
        .sort(),
      leftovers.map((l) => l.id).sort(),
    );
    assert.equal(logged(h, /never started/).length, 2);
    assert.equal(exitReason(), undefined);
  });
});
