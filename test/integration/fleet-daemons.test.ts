// The fleet on a real three-member etcd (127.0.0.1, free ports) with real daemons and
// their pilots on the real Docker engine: registration, drain/resume round trips through
// planctonctl, a member killed and restarted, etcd stopped entirely under running daemons
// (they keep their pilots and tick on), and a SIGKILLed daemon seen as gone after its ttl.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { formatStatus } from "../../src/cli/format.js";
import { connectEtcd } from "../../src/fleet/etcd-client.js";
import type { HostRow } from "../../src/fleet/fleet-view.js";
import { DaemonProcess } from "../faults/built-daemon.js";
import { planctonctl } from "../helpers/cli.js";
import { startDaemon, type Harness } from "../helpers/daemon-harness.js";
import { containersOf, removeInstance, requireDocker, TEST_IMAGE, uniquePrefix } from "../helpers/docker.js";
import { EtcdCluster, requireEtcd } from "../helpers/etcd-cluster.js";
import { FixedObserver } from "../helpers/fixed-observer.js";
import { waitFor } from "../helpers/wait.js";

const TTL = 3;
let cluster: EtcdCluster;
const daemons: Harness[] = [];
const prefix = `/plancton-test-${process.pid}/`;

before(async () => {
  await requireDocker();
  requireEtcd();
  cluster = await EtcdCluster.start(3);
});

after(async () => {
  for (const h of daemons) await h.cleanup();
  await cluster?.stop();
  if (cliDir) await rm(cliDir, { recursive: true, force: true });
});

const etcdArgs = () => ["--etcd", ...cluster.endpoints()];
// prefix comes from the config file given to planctonctl (its fleet key).
let cliConfig = "";
let cliDir = "";
const ctl = (args: string[]) => planctonctl(["--config", cliConfig, ...args]);

async function fleetHosts(): Promise<Map<string, HostRow>> {
  const r = await ctl(["fleet", "status", "--json", ...etcdArgs()]);
  assert.equal(r.code, 0, r.stderr);
  return new Map((JSON.parse(r.stdout) as { hosts: HostRow[] }).hosts.map((h) => [h.name, h]));
}

const names = new Map<Harness, string>();
const name = (h: Harness) => names.get(h)!;
const mode = (h: Harness) => h.daemon.snapshot().mode;
const pilotIds = async (h: Harness) =>
  (await containersOf(h.instance))
    .filter((c) => c.State === "running")
    .map((c) => c.Id)
    .sort();

/** Under a stopped etcd: every daemon says so once, ticks on with its pilots and its last command. */
async function outage(stoppedAt: number, pilots: string[][]): Promise<void> {
  for (const h of daemons) {
    await waitFor(
      `${name(h)} says etcd is unreachable`,
      () => loggedSince(h, /^fleet: etcd unreachable since/, stoppedAt).length > 0,
      30_000,
      200,
    ).catch((err: Error) => {
      // What the agent knew: CI has only this message to go on.
      throw new Error(
        `${err.message}; stopped at ${new Date(stoppedAt).toISOString()}; agent ${JSON.stringify(h.daemon.snapshot().fleet)}; its fleet lines: ${h.logs
          .filter((l) => l.includes("fleet"))
          .slice(-8)
          .join(" | ")}`,
      );
    });
  }
  // Past twice the ttl the lease is lost and the agents retry registering: still one message.
  for (const h of daemons) {
    await waitFor(
      `${name(h)} ticking on`,
      async () => {
        await h.daemon.tickNow("test");
        return (h.daemon.snapshot().lastTick?.atMs ?? 0) > stoppedAt + 3 * TTL * 1000;
      },
      60_000,
      500,
    );
  }
  for (const [i, h] of daemons.entries()) {
    assert.equal(
      loggedSince(h, /^fleet: etcd unreachable since/, stoppedAt).length,
      1,
      `${name(h)} said it once`,
    );
    assert.deepEqual(await pilotIds(h), pilots[i], `${name(h)} kept its pilots`);
    assert.equal(h.daemon.snapshot().fleet?.connected, false);
  }
  assert.deepEqual(
    daemons.map(mode),
    ["active", "active", "draining"],
    "the last fleet command stays in force",
  );
  assert.match(formatStatus(daemons[0]!.daemon.snapshot()), /fleet: .*etcd unreachable since/);
}

/** Log messages matching re logged at or after sinceMs (pino's time). */
const loggedSince = (h: Harness, re: RegExp, sinceMs: number) =>
  h.logs
    .map((l) => JSON.parse(l) as { msg?: string; time: number })
    .filter((l) => l.time >= sinceMs && re.test(l.msg ?? ""));

describe("a fleet of real daemons on a three-member etcd", () => {
  test("three daemons register, each with its pilot", async () => {
    cliDir = await mkdtemp(path.join(os.tmpdir(), "plancton-fleetcli-"));
    cliConfig = path.join(cliDir, "config.yaml");
    await writeFile(cliConfig, `fleet:\n  etcd: [${cluster.endpoints().join(", ")}]\n  prefix: ${prefix}\n`);
    for (const n of ["fa", "fb", "fc"]) {
      // In one process every daemon has this host's name: each gets its own fleet name.
      const fleet = `fleet:\n  etcd: [${cluster.endpoints().join(", ")}]\n  ttl: ${TTL}\n  prefix: ${prefix}\n  name: ${n}-${process.pid}\n`;
      const h = await startDaemon(
        n,
        `max_docks: 1\nmain_sleep: 1\ngrace_spawn: 0\ndocker_cmd: sleep 600\n${fleet}`,
        { observer: new FixedObserver({ cpu_pilots: 0.25 }) },
      );
      daemons.push(h);
      names.set(h, `${n}-${process.pid}`);
    }
    const hosts = await waitFor(
      "3 hosts up with 1 pilot each",
      async () => {
        const m = await fleetHosts();
        return daemons.every((h) => m.get(name(h))?.state === "up" && m.get(name(h))?.running === 1)
          ? m
          : undefined;
      },
      60_000,
      500,
    );
    const a = hosts.get(name(daemons[0]!))!;
    assert.equal(a.mode, "active");
    assert.equal(a.max, 1);
    assert.match(a.engine ?? "", /^docker /);
    const table = await ctl(["fleet", "status", ...etcdArgs()]);
    assert.match(table.stdout, /NAME\s+STATE\s+MODE\s+PILOTS/);
    assert.match(
      table.stdout,
      /3 host\(s\) up, 0 gone; 3 pilot\(s\) running, 0 paused; 3 idle core\(s\) harvested/,
    );
  });

  test("drain one, drain all, resume one, resume all: the drain control file, as a local drain", async () => {
    const [a, b, c] = daemons as [Harness, Harness, Harness];
    const before = await pilotIds(a);
    const r = await ctl(["fleet", "drain", name(a), "--reason", "kernel update", ...etcdArgs()]);
    assert.equal(r.code, 0, r.stderr);
    await waitFor("a draining", () => mode(a) === "draining", 20_000);
    assert.ok(existsSync(path.join(a.rundir, "drain")), "the drain control file");
    const text = formatStatus(a.daemon.snapshot());
    assert.match(text, /mode:\s+draining/);
    assert.match(text, /fleet: .*registered in etcd; last command: drain by .*@.* \(kernel update\)/);
    assert.equal(mode(b), "active");
    assert.deepEqual(await pilotIds(a), before, "a drain lets running pilots finish");
    await waitFor(
      "the fleet sees a draining",
      async () => (await fleetHosts()).get(name(a))?.mode === "draining",
      20_000,
      300,
    );

    assert.equal((await ctl(["fleet", "drain", "--all", ...etcdArgs()])).code, 0);
    await waitFor("all draining", () => daemons.every((h) => mode(h) === "draining"), 20_000);
    assert.equal((await ctl(["fleet", "resume", name(b), ...etcdArgs()])).code, 0);
    await waitFor(
      "b active, a and c draining",
      () => mode(b) === "active" && mode(a) === "draining" && mode(c) === "draining",
      20_000,
    );
    assert.equal((await ctl(["fleet", "resume", "--all", ...etcdArgs()])).code, 0);
    await waitFor("all active", () => daemons.every((h) => mode(h) === "active"), 20_000);
    assert.ok(!existsSync(path.join(a.rundir, "drain")));

    const unknown = await ctl(["fleet", "drain", "no-such-host", ...etcdArgs()]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no host named no-such-host in the fleet/);
    const both = await ctl(["fleet", "drain", name(a), "--all", ...etcdArgs()]);
    assert.equal(both.code, 2);
  });

  test("the leader killed: commands still reach the daemons through the election; it comes back", async () => {
    const [a] = daemons as [Harness];
    const leader = await cluster.leaderIndex();
    await cluster.killMember(leader);
    const drained = await ctl(["fleet", "drain", name(a), "--reason", "member down", ...etcdArgs()]);
    assert.equal(drained.code, 0, drained.stderr);
    await waitFor("a draining with a member down", () => mode(a) === "draining", 30_000);
    cluster.startMember(leader);
    await cluster.waitHealthy();
    assert.equal(
      (await ctl(["fleet", "resume", name(a), "--etcd", cluster.endpoints([leader])[0]!])).code,
      0,
      "the restarted member serves",
    );
    await waitFor("a active", () => mode(a) === "active", 30_000);
  });

  test("etcd stopped entirely: daemons keep their pilots and the last command, tick on, say so once, re-register", async () => {
    const [, , c] = daemons as [Harness, Harness, Harness];
    assert.equal(
      (await ctl(["fleet", "drain", name(c), "--reason", "before outage", ...etcdArgs()])).code,
      0,
    );
    await waitFor("c draining", () => mode(c) === "draining", 20_000);
    const pilots = await Promise.all(daemons.map(pilotIds));
    // Every agent linked (the member killed before may have made one say "unreachable").
    await waitFor(
      "every agent connected",
      () => daemons.every((h) => h.daemon.snapshot().fleet?.connected === true),
      30_000,
      200,
    );
    const stoppedAt = Date.now();
    await cluster.stopAll();
    try {
      await outage(stoppedAt, pilots);
    } finally {
      for (let i = 0; i < 3; i++) if (cluster.pid(i) === undefined) cluster.startMember(i);
      await cluster.waitHealthy();
    }
    for (const h of daemons)
      await waitFor(
        `${name(h)} registered again`,
        () => loggedSince(h, /^fleet: etcd reachable again/, stoppedAt).length > 0,
        60_000,
        200,
      );
    // The leases outlived the outage, so the hosts are "up" at once; c's record says
    // draining once its pending write (spread over a few seconds) has gone out.
    const hosts = await waitFor(
      "3 hosts up again, c's record draining",
      async () => {
        const m = await fleetHosts();
        return daemons.every((h) => m.get(name(h))?.state === "up") && m.get(name(c))?.mode === "draining"
          ? m
          : undefined;
      },
      30_000,
      500,
    );
    assert.equal(hosts.get(name(c))?.mode, "draining");
    assert.equal(hosts.get(name(c))?.command?.action, "drain");
    assert.equal((await ctl(["fleet", "resume", "--all", ...etcdArgs()])).code, 0);
    await waitFor("c active", () => mode(c) === "active", 20_000);
  });

  test("a SIGKILLed daemon shows as gone after its ttl", async () => {
    const instance = uniquePrefix("fgone");
    const dir = await mkdtemp(path.join(os.tmpdir(), "plancton-fgone-"));
    const dirs = {
      configFile: path.join(dir, "config.yaml"),
      rundir: path.join(dir, "run"),
      logdir: path.join(dir, "log"),
      pidfile: path.join(dir, "run", "plancton.pid"),
    };
    await writeFile(
      dirs.configFile,
      `docker_image: ${TEST_IMAGE}\ncontainer_prefix: ${instance}\npilot_cpu_priority: normal\nmax_dock_mem: 32MiB\nmax_docks: 1\nmain_sleep: 1\n` +
        `fleet:\n  etcd: [${cluster.endpoints().join(", ")}]\n  ttl: ${TTL}\n  prefix: ${prefix}\n  name: ${instance}\n`,
    );
    let d: DaemonProcess | undefined;
    try {
      d = await DaemonProcess.start(dirs, 60_000);
      await waitFor(
        `${instance} up`,
        async () => (await fleetHosts()).get(instance)?.state === "up",
        60_000,
        300,
      );
      d.kill("SIGKILL");
      await d.exited;
      const gone = await waitFor(
        `${instance} gone`,
        async () => {
          const h = (await fleetHosts()).get(instance);
          return h?.state === "gone" ? h : undefined;
        },
        (TTL + 30) * 1000,
        300,
      );
      assert.equal(gone.name, instance);
      const table = await ctl(["fleet", "status", ...etcdArgs()]);
      assert.match(table.stdout, new RegExp(`${instance}\\s+gone`));
      assert.match(table.stdout, /3 host\(s\) up, 1 gone/);
      // Gone for longer than a day: status still lists it (read-only); fleet forget deletes it.
      const client = await connectEtcd({
        etcd: cluster.endpoints(),
        username: null,
        password_file: null,
        ca_file: null,
        cert_file: null,
        key_file: null,
      });
      try {
        const old = { ...gone, atMs: Date.now() - 24 * 3600_000 - 60_000 };
        const { state: _s, seenAgoSeconds: _a, ...record } = old;
        await client.put(`${prefix}hosts/${instance}`).value(JSON.stringify(record));
        assert.equal((await fleetHosts()).get(instance)?.state, "gone", "status forgets nothing");
        const forget = await ctl(["fleet", "forget", "--gone-for", "24h", ...etcdArgs()]);
        assert.equal(forget.code, 0, forget.stderr);
        assert.match(forget.stdout, /forgot 1 host\(s\) gone for over 24h/);
        assert.equal((await fleetHosts()).has(instance), false, "forgotten");
        assert.equal(
          (await client.get(`${prefix}hosts/${instance}`).exec()).kvs.length,
          0,
          "its status key deleted",
        );
        assert.equal((await fleetHosts()).size, 3);
      } finally {
        client.close();
      }
    } finally {
      d?.kill("SIGKILL");
      await removeInstance(instance);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
