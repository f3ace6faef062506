// planctonctl fleet against a real etcd (one member, free port): a listing of thousands of
// hosts arrives whole through a pipe, the summary adds them up, and usage errors say what
// to write. The hosts are status records written straight into etcd.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Etcd3 } from "etcd3";
import { connectEtcd } from "../../src/fleet/etcd-client.js";
import type { HostRow } from "../../src/fleet/fleet-view.js";
import { encodeStatus } from "../../src/fleet/status-record.js";
import { planctonctl } from "../helpers/cli.js";
import { EtcdCluster, requireEtcd } from "../helpers/etcd-cluster.js";

const HOSTS = 3000;
let cluster: EtcdCluster | undefined;
let client: Etcd3 | undefined;
let lease: ReturnType<Etcd3["lease"]> | undefined;
let dir = "";

before(async () => {
  requireEtcd();
  cluster = await EtcdCluster.start(1);
  client = await connectEtcd(
    {
      etcd: cluster.endpoints(),
      username: null,
      password_file: null,
      ca_file: null,
      cert_file: null,
      key_file: null,
    },
    30_000,
  );
  dir = await mkdtemp(path.join(os.tmpdir(), "plancton-fleetcli-"));
  await writeFile(path.join(dir, "none.yaml"), "# no fleet key\n");
  const now = Date.now();
  for (let i = 0; i < HOSTS; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, j) => {
        const name = `wn${String(i + j).padStart(5, "0")}`;
        const s = encodeStatus({
          name,
          version: "1.0.0",
          engine: "docker 20.10",
          mode: "active",
          running: 2,
          paused: 0,
          max: 4,
          ncpus: 8,
          ownerCpu: 0.1,
          pilotCpu: 0.25,
          priority: "idle",
          config: "local",
          lastTickAtMs: now,
          coreHours24h: 1.5,
          atMs: now,
        });
        return client!.put(`/plancton/hosts/${name}`).value(s);
      }),
    );
  }
  // Half of them alive (a lease-bound alive key), the other half gone.
  lease = client.lease(600);
  for (let i = 0; i < HOSTS / 2; i += 100)
    await Promise.all(
      Array.from({ length: 100 }, (_, j) =>
        lease!.put(`/plancton/alive/wn${String(i + j).padStart(5, "0")}`).value("{}"),
      ),
    );
});

after(async () => {
  // A lease keeps renewing on its own timers, even with the client closed and etcd gone: the
  // test process would never exit. Release it first.
  await lease?.revoke().catch(() => undefined);
  client?.close();
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test(`fleet status --json of ${HOSTS} hosts arrives whole through a pipe, with the summary`, async () => {
  const r = await planctonctl([
    "--config",
    path.join(dir, "none.yaml"),
    "fleet",
    "status",
    "--json",
    "--etcd",
    ...cluster!.endpoints(),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.length > 64 * 1024, `${r.stdout.length} bytes`);
  const out = JSON.parse(r.stdout) as {
    hosts: HostRow[];
    summary: Record<string, number>;
  };
  assert.equal(out.hosts.length, HOSTS);
  assert.deepEqual(out.summary, {
    up: HOSTS / 2,
    gone: HOSTS / 2,
    running: HOSTS,
    paused: 0,
    harvestedCores: HOSTS,
    coreHours24h: HOSTS * 1.5,
    unreadable: 0,
    oversized: 0,
  });
  assert.equal(out.hosts[0]?.name, "wn00000");
  assert.equal(out.hosts[0]?.state, "up");
  assert.equal(out.hosts.at(-1)?.state, "gone");
  const table = await planctonctl([
    "--config",
    path.join(dir, "none.yaml"),
    "fleet",
    "status",
    "--etcd",
    ...cluster!.endpoints(),
  ]);
  assert.equal(table.stdout.trim().split("\n").length, HOSTS + 2, "header, hosts, summary");
  assert.match(table.stdout, new RegExp(`${HOSTS * 1.5} core-hour\\(s\\) in 24 h\\n$`));
});

test("usage errors: no endpoint, names and --all together, neither", async () => {
  const none = await planctonctl(["--config", path.join(dir, "none.yaml"), "fleet", "status"]);
  assert.equal(none.code, 1);
  assert.match(
    none.stderr,
    /no etcd endpoint: pass --etcd URL, or set fleet: \{etcd: \[URL\]\} in .*none\.yaml/,
  );
  const cfg = path.join(dir, "config.yaml");
  await writeFile(cfg, `fleet:\n  etcd: [${cluster!.endpoints()[0]}]\n`);
  assert.equal((await planctonctl(["--config", cfg, "fleet", "resume"])).code, 2);
  const both = await planctonctl(["--config", cfg, "fleet", "drain", "wn00001", "--all"]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /name the hosts, or --all \(not both\)/);
  const ok = await planctonctl(["--config", cfg, "fleet", "drain", "wn00001", "wn00002", "--reason", "disk"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /drain sent to wn00001, wn00002 \(disk\)/);
  const cmd = JSON.parse(
    (await client!.get("/plancton/command/host/wn00002").exec()).kvs[0]!.value.toString(),
  ) as { action: string; reason: string; who: string };
  assert.equal(cmd.action, "drain");
  assert.equal(cmd.reason, "disk");
  assert.match(cmd.who, /@/);
});

test("an etcd that does not answer: one line, exit 1, within the call deadline", async () => {
  const r = await planctonctl([
    "--config",
    path.join(dir, "none.yaml"),
    "fleet",
    "status",
    "--etcd",
    "http://127.0.0.1:9",
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^planctonctl: fleet: etcd at http:\/\/127\.0\.0\.1:9: /);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
});
