// The Docker engine on the real engine: spec mapping as Docker stores it, listing by
// labels in one call, launches (bounded, stopping at the first failure, no leftovers),
// pause/unpause/kill/remove, exit info, logs.
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, rmdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createDockerEngine } from "../../src/runtime/docker-engine.js";
import { DockerApiError, type ContainerEngine, type PilotInfo } from "../../src/runtime/engine.js";
import {
  INSTANCE_LABEL,
  TEST_IMAGE,
  dockerCli,
  inspect,
  readAll,
  requireDocker,
  stateOf,
  testRun,
  waitFor,
} from "./runtime-helpers.js";

const t = testRun("docker");
let engine: ContainerEngine;
let hostDir: string;
/** cgroup directories made by the CgroupParent test, removed in after(). */
let cgroupParent: string | undefined;

before(async () => {
  await requireDocker();
  engine = createDockerEngine();
  hostDir = await mkdtemp(join(tmpdir(), "plancton-rt-"));
});

after(async () => {
  await t.cleanup();
  if (hostDir) await rm(hostDir, { recursive: true, force: true });
  if (cgroupParent) {
    // cgroup v1 with cgroupfs leaves /sys/fs/cgroup/<controller>/<parent> behind.
    const name = cgroupParent.replace(/^\//, "");
    for (const controller of await readdir("/sys/fs/cgroup").catch(() => [] as string[])) {
      await rmdir(join("/sys/fs/cgroup", controller, name)).catch(() => undefined);
    }
    await rmdir(join("/sys/fs/cgroup", name)).catch(() => undefined);
  }
});

const listOurs = () => engine.listPilots(t.labels);
/** Our containers made from these specs (whatever their state). */
const listOf = async (specs: { name: string }[]) =>
  (await listOurs()).filter((p) => specs.some((s) => s.name === p.name));

describe("launch", () => {
  test("creates and starts a pilot with the HostConfig of its spec", async () => {
    const info = await engine.info();
    const spec = t.spec({
      cmd: [
        "sh",
        "-c",
        "touch /ro/f 2>/dev/null; echo ro=$?; touch /rw/f; echo rw=$?; echo env=$PILOT_VAR; sleep 300",
      ],
      env: ["PILOT_VAR=hello"],
      cpuQuota: 150000,
      cpuPeriod: 100000,
      memoryBytes: 96 * 1024 * 1024,
      memorySwapBytes: 128 * 1024 * 1024,
      user: "0:0",
      binds: [`${hostDir}:/ro`, `${hostDir}:/rw:rw`],
      devices: [{ PathOnHost: "/dev/null", PathInContainer: "/dev/plancton-null", CgroupPermissions: "rwm" }],
      capAdd: ["SYS_ADMIN"],
      capDrop: ["NET_RAW"],
      securityOpt: ["no-new-privileges:true"],
      networkMode: "none",
      labels: { ...t.labels, "org.plancton.extra": "x" },
    });
    const before = engine.apiCalls;
    const pilot = await engine.launch(spec);
    assert.equal(engine.apiCalls - before, 2, "create + start");
    assert.equal(pilot.name, spec.name);
    assert.equal(pilot.state, "running");
    assert.equal(pilot.image, TEST_IMAGE);
    assert.deepEqual(pilot.labels, spec.labels);

    const c = await inspect(pilot.id);
    assert.equal(c.Name, `/${spec.name}`);
    assert.equal(c.State.Running, true);
    assert.equal(c.Config.Hostname, spec.hostname);
    assert.equal(c.Config.User, "0:0");
    assert.deepEqual(c.Config.Labels, spec.labels);
    assert.ok(c.Config.Env.includes("PILOT_VAR=hello"));
    assert.deepEqual(c.Config.Cmd, spec.cmd);
    const h = c.HostConfig;
    assert.equal(h.CpuQuota, 150000);
    assert.equal(h.CpuPeriod, 100000);
    assert.equal(h.Memory, 96 * 1024 * 1024);
    assert.equal(h.MemorySwap, info.swapLimit === false ? h.MemorySwap : 128 * 1024 * 1024);
    assert.deepEqual(h.Binds, [`${hostDir}:/ro:ro`, `${hostDir}:/rw:rw`]);
    assert.deepEqual(h.Devices, [
      { PathOnHost: "/dev/null", PathInContainer: "/dev/plancton-null", CgroupPermissions: "rwm" },
    ]);
    assert.deepEqual(h.CapAdd, ["SYS_ADMIN"]);
    assert.deepEqual(h.CapDrop, ["NET_RAW"]);
    assert.deepEqual(h.SecurityOpt, ["no-new-privileges:true"]);
    assert.equal(h.NetworkMode, "none");
    assert.equal(h.Privileged, false);
    assert.equal(h.RestartPolicy?.Name, "no");
    assert.equal(h.CgroupParent, "");

    // The default bind is really read-only, the rw one writable (read back through logs()).
    const text = await waitFor(
      "the pilot's first output",
      async () => {
        const out = await readAll(await engine.logs(pilot.id, { follow: false }));
        return out.includes("env=") ? out : undefined;
      },
      15_000,
    );
    assert.match(text, /ro=1\n/);
    assert.match(text, /rw=0\n/);
    assert.match(text, /env=hello\n/);
    const tail = await readAll(await engine.logs(pilot.id, { follow: false, tail: 1 }));
    assert.equal(tail, "env=hello\n");
    await engine.remove(pilot.id);
  });

  test("sets the cgroup parent when given", async () => {
    const info = await engine.info();
    cgroupParent = info.cgroupDriver === "systemd" ? `plancton-test-${t.id}.slice` : `/plancton-test-${t.id}`;
    const pilot = await engine.launch(t.spec({ cgroupParent }));
    assert.equal((await inspect(pilot.id)).HostConfig.CgroupParent, cgroupParent);
    await engine.remove(pilot.id);
  });

  test("a missing image fails at create with a clear message and leaves nothing", async () => {
    const spec = t.spec({ image: "plancton/no-such-image:nope" });
    await assert.rejects(engine.launch(spec), (e: Error) => {
      assert.ok(e instanceof DockerApiError);
      assert.equal(e.message, `create ${spec.name}: 404 No such image: plancton/no-such-image:nope`);
      return true;
    });
    assert.equal(
      (await listOurs()).some((p) => p.name === spec.name),
      false,
    );
  });

  test("a failed start removes the created container and says why", async () => {
    const spec = t.spec({ cmd: ["/no/such/binary"] });
    await assert.rejects(engine.launch(spec), (e: Error) => {
      assert.match(e.message, new RegExp(`^start ${spec.name}: \\d{3} .*no/such/binary`));
      return true;
    });
    const left = await dockerCli("ps", "-aq", "--filter", `name=${spec.name}`);
    assert.equal(left, "", "the never-started container was removed");
  });
});

describe("listPilots", () => {
  test("lists only containers with all our labels, in every state, in one API call", async () => {
    const mine = await engine.launch(t.spec());
    const exited = await engine.launch(t.spec({ cmd: ["sh", "-c", "exit 0"] }));
    // Another instance of this test run, and a foreign container without our labels.
    const other = await engine.launch(t.spec({ labels: { ...t.labels, [INSTANCE_LABEL]: "b" } }));
    const foreign = await dockerCli("run", "-d", "--name", `${t.prefix}-foreign`, TEST_IMAGE, "sleep", "300");
    await waitFor("the short pilot to exit", async () => (await stateOf(exited.id)) === "exited", 15_000);

    const before = engine.apiCalls;
    const listed = await listOurs();
    assert.equal(engine.apiCalls - before, 1, "one API call whatever the number of pilots");
    const ids = listed.map((p) => p.id);
    assert.ok(ids.includes(mine.id));
    assert.ok(ids.includes(exited.id), "exited pilots are listed too");
    assert.ok(!ids.includes(other.id), "another instance's pilot is not ours");
    assert.ok(
      !ids.some((id) => foreign.startsWith(id) || id.startsWith(foreign)),
      "a foreign container is not ours",
    );
    assert.ok(listed.every((p) => p.labels[INSTANCE_LABEL] === "a"));

    const byId = new Map(listed.map((p) => [p.id, p] as const));
    assert.equal(byId.get(exited.id)?.state, "exited");
    const m = byId.get(mine.id)!;
    assert.equal(m.state, "running");
    assert.equal(m.name, mine.name);
    assert.equal(m.image, TEST_IMAGE);
    assert.ok(Math.abs(m.createdAtMs - Date.now()) < 120_000, `createdAtMs ${m.createdAtMs}`);

    for (const p of [mine, exited, other]) await engine.remove(p.id);
    await dockerCli("rm", "-f", foreign);
  });

  test("refuses an empty label filter (it would list the whole host)", async () => {
    await assert.rejects(engine.listPilots({}), /at least one label/);
  });
});

describe("launchMany", () => {
  test("launches 6 pilots with concurrency 4", async () => {
    const specs = Array.from({ length: 6 }, () => t.spec());
    const before = engine.apiCalls;
    const { launched, error } = await engine.launchMany(specs, 4);
    assert.equal(error, undefined);
    assert.deepEqual(
      launched.map((p) => p.name),
      specs.map((s) => s.name),
    );
    assert.equal(engine.apiCalls - before, 12, "create + start each");
    const listed = await listOurs();
    for (const p of launched) assert.equal(listed.find((l) => l.id === p.id)?.state, "running", p.name);
    for (const p of launched) await engine.remove(p.id);
  });

  test("stops at the first failure and leaves no created container (concurrency 1)", async () => {
    const specs = Array.from({ length: 6 }, (_, i) =>
      t.spec(i === 2 ? { image: "plancton/no-such-image:nope" } : {}),
    );
    const { launched, error } = await engine.launchMany(specs, 1);
    assert.match(error?.message ?? "", new RegExp(`^create ${specs[2]!.name}: 404 No such image`));
    assert.deepEqual(
      launched.map((p) => p.name),
      [specs[0]!.name, specs[1]!.name],
    );
    const listed = await listOf(specs);
    assert.deepEqual(
      listed.map((p) => p.id).sort(),
      launched.map((p) => p.id).sort(),
      "only the two launched exist",
    );
    for (const p of launched) await engine.remove(p.id);
  });

  test("with concurrency 3, a failed start leaves nothing half-made and the others running", async () => {
    const specs = Array.from({ length: 6 }, (_, i) => t.spec(i === 2 ? { cmd: ["/no/such/binary"] } : {}));
    const { launched, error } = await engine.launchMany(specs, 3);
    assert.match(error?.message ?? "", new RegExp(`^start ${specs[2]!.name}: `));
    assert.ok(!launched.some((p) => p.name === specs[2]!.name));
    // Specs 0-2 begin together; others may begin while spec 2's start fails and its
    // container is removed (the exact rule is tested in test/unit/runtime-run-bounded).
    assert.ok(launched.length >= 2 && launched.length <= 5, `launched ${launched.length}`);
    const listed = await listOf(specs);
    assert.deepEqual(
      listed.map((p) => p.id).sort(),
      launched.map((p) => p.id).sort(),
      "no created-but-not-started container left",
    );
    assert.ok(
      listed.every((p) => p.state === "running"),
      JSON.stringify(listed.map((p) => p.state)),
    );
    for (const p of launched) await engine.remove(p.id);
  });
});

describe("pause, unpause, kill, remove", () => {
  let pilot: PilotInfo;
  before(async () => {
    pilot = await engine.launch(t.spec());
  });

  test("pause and unpause (each twice: idempotent)", async () => {
    await engine.pause(pilot.id);
    await engine.pause(pilot.id);
    assert.equal(await stateOf(pilot.id), "paused");
    assert.equal((await listOurs()).find((p) => p.id === pilot.id)?.state, "paused");
    await engine.unpause(pilot.id);
    await engine.unpause(pilot.id);
    assert.equal(await stateOf(pilot.id), "running");
  });

  test("kill of a paused pilot removes it; kill and remove of a gone one succeed", async () => {
    await engine.pause(pilot.id);
    await engine.kill(pilot.id);
    assert.equal(await stateOf(pilot.id), "gone");
    await engine.kill(pilot.id);
    await engine.remove(pilot.id);
    await engine.kill("0000000000000000000000000000000000000000000000000000000000000000");
  });

  test("kill of an exited pilot and remove of a running one", async () => {
    const exited = await engine.launch(t.spec({ cmd: ["true"] }));
    await waitFor("the pilot to exit", async () => (await stateOf(exited.id)) === "exited", 15_000);
    await engine.kill(exited.id);
    assert.equal(await stateOf(exited.id), "gone");
    const running = await engine.launch(t.spec());
    await engine.remove(running.id);
    assert.equal(await stateOf(running.id), "gone");
  });

  test("pause of a gone pilot fails with a clear 404", async () => {
    await assert.rejects(engine.pause("plancton-no-such-container"), (e: Error) => {
      assert.ok(e instanceof DockerApiError && e.statusCode === 404);
      assert.match(e.message, /^pause plancton-no-such-container: 404 No such container/);
      return true;
    });
  });
});

describe("exitInfo", () => {
  test("reports the exit code of an exited pilot, null while running, undefined when gone", async () => {
    const p = await engine.launch(t.spec({ cmd: ["sh", "-c", "exit 3"] }));
    await waitFor("the pilot to exit", async () => (await stateOf(p.id)) === "exited", 15_000);
    const info = await engine.exitInfo(p.id);
    assert.equal(info?.exitCode, 3);
    assert.equal(info?.oomKilled, false);
    assert.equal(info?.state, "exited");
    // Docker may stamp StartedAt a millisecond after FinishedAt for a process this short.
    assert.ok(
      info?.startedAtMs !== undefined &&
        info.finishedAtMs !== undefined &&
        info.finishedAtMs - info.startedAtMs > -1000,
      JSON.stringify(info),
    );
    await engine.remove(p.id);
    assert.equal(await engine.exitInfo(p.id), undefined);

    const r = await engine.launch(t.spec());
    const running = await engine.exitInfo(r.id);
    assert.equal(running?.exitCode, null);
    assert.equal(running?.state, "running");
    assert.ok(running?.startedAtMs !== undefined && running.finishedAtMs === undefined);
    await engine.remove(r.id);
  });
});

describe("engine facts", () => {
  test("ping, info and imagePresent", async () => {
    await engine.ping();
    const info = await engine.info();
    assert.ok(info.serverVersion.length > 0);
    assert.ok(info.ncpu > 0 && info.memTotalBytes > 0);
    assert.ok(["cgroupfs", "systemd"].includes(info.cgroupDriver), info.cgroupDriver);
    assert.ok(["1", "2"].includes(info.cgroupVersion), info.cgroupVersion);
    assert.equal(typeof info.apparmor, "boolean");
    assert.equal(await engine.imagePresent(TEST_IMAGE), true);
    assert.equal(await engine.imagePresent("plancton/no-such-image:nope"), false);
  });

  test("logs of a gone container fail with a clear 404", async () => {
    await assert.rejects(
      engine.logs("plancton-no-such-container", { follow: false }),
      /^Error: logs plancton-no-such-container: 404 No such container|logs plancton-no-such-container: 404/,
    );
  });
});
