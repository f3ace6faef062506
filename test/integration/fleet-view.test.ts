// planctonctl fleet status and forget against a real etcd (one member, free port), with
// records no host would write: a numeric or missing field, ANSI escapes, 40 values of
// 1.4 MiB. Status lists a bad record as unreadable (it crashed on "reading 'padEnd'"),
// skips and counts the oversized ones (reading them in pages: the admin's client refuses
// a page over 1 MiB), escapes what it prints, and deletes nothing; forget removes the
// hosts gone for longer than --gone-for, in transactions.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Etcd3 } from "etcd3";
import { connectEtcd } from "../../src/fleet/etcd-client.js";
import { listFleet } from "../../src/fleet/fleet-view.js";
import { PAGE_MAX_BYTES } from "../../src/fleet/paged-read.js";
import { encodeStatus } from "../../src/fleet/status-record.js";
import type { HostStatus } from "../../src/fleet/fleet-types.js";
import { planctonctl } from "../helpers/cli.js";
import { EtcdCluster, requireEtcd } from "../helpers/etcd-cluster.js";

const prefix = "/plancton/";
let cluster: EtcdCluster;
let client: Etcd3;
let lease: ReturnType<Etcd3["lease"]> | undefined;
let dir = "";
const conn = () => ({
  etcd: cluster.endpoints(),
  username: null,
  password_file: null,
  ca_file: null,
  cert_file: null,
  key_file: null,
});
const record = (name: string, atMs: number, extra: Partial<HostStatus> = {}): HostStatus => ({
  name,
  version: "1.0.0",
  engine: "docker 20.10",
  mode: "active",
  running: 1,
  paused: 0,
  max: 2,
  ncpus: 4,
  ownerCpu: 0.1,
  pilotCpu: 0.25,
  priority: "idle",
  config: "local",
  lastTickAtMs: atMs,
  atMs,
  ...extra,
});
const ctl = (...args: string[]) =>
  planctonctl(["--config", path.join(dir, "none.yaml"), "fleet", ...args, "--etcd", ...cluster.endpoints()]);

before(async () => {
  requireEtcd();
  cluster = await EtcdCluster.start(1);
  client = await connectEtcd(conn(), 30_000);
  dir = await mkdtemp(path.join(os.tmpdir(), "plancton-fleetview-"));
  await writeFile(path.join(dir, "none.yaml"), "# no fleet key\n");
  const now = Date.now();
  lease = client.lease(600);
  await lease.put(`${prefix}alive/wn-up`).value("{}");
  await client.put(`${prefix}hosts/wn-up`).value(encodeStatus(record("wn-up", now)));
  await client.put(`${prefix}hosts/wn-numeric`).value(JSON.stringify({ ...record("x", now), mode: 3 }));
  const { version: _v, ...noVersion } = record("wn-missing", now);
  await client.put(`${prefix}hosts/wn-missing`).value(JSON.stringify(noVersion));
  await client
    .put(`${prefix}hosts/wn-ansi`)
    .value(
      JSON.stringify(
        record("wn-ansi", now, { version: "\u001b]0;owned\u0007\u001b[2J1.0", mode: "\u009b31m" }),
      ),
    );
  const junk = "j".repeat(1_400_000);
  for (let i = 0; i < 40; i++)
    await client.put(`${prefix}hosts/junk${String(i).padStart(2, "0")}`).value(junk);
  for (let i = 0; i < 150; i++)
    await client
      .put(`${prefix}hosts/old${String(i).padStart(3, "0")}`)
      .value(encodeStatus(record(`old${i}`, now - 2 * 86400_000)));
});

after(async () => {
  await lease?.revoke().catch(() => undefined);
  client?.close();
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("status: bad records listed as unreadable, oversized ones skipped and counted, nothing unescaped, nothing deleted", async () => {
  const r = await ctl("status");
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(
    r.stdout,
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/,
    "no control character reaches the terminal",
  );
  assert.match(r.stdout, /wn-numeric\s+gone\s+unreadable\s.*mode: /);
  assert.match(r.stdout, /wn-missing\s+gone\s+unreadable\s.*version: /);
  assert.match(r.stdout, /wn-ansi\s+gone\s+\\x9b31m\s.*\\x1b\]0;owned\\x07\\x1b\[2J1\.0/);
  assert.match(r.stdout, /junk00\s+gone\s+unreadable\s.*over 4 KiB/);
  assert.match(
    r.stdout,
    /1 host\(s\) up, 193 gone; .*; 2 unreadable record\(s\); 40 record\(s\) over 4 KiB skipped/,
  );
  const j = await ctl("status", "--json");
  assert.equal(j.code, 0, j.stderr);
  assert.doesNotMatch(j.stdout, /[\u007f-\u009f]/);
  const out = JSON.parse(j.stdout) as {
    hosts: HostStatus[];
    unreadable: { name: string }[];
    summary: unknown;
  };
  assert.equal(
    out.hosts.find((h) => h.name === "wn-ansi")?.mode,
    "\u009b31m",
    "JSON keeps the value, escaped",
  );
  assert.equal(out.unreadable.length, 42);
  assert.equal(
    (await client.getAll().prefix(`${prefix}hosts/old`).keys()).length,
    150,
    "status deleted nothing",
  );
});

test("the listing reads in pages under the admin's 1 MiB receive limit (56 MB of junk in etcd)", async () => {
  const small = await connectEtcd(conn(), 30_000, false, PAGE_MAX_BYTES);
  try {
    const l = await listFleet(small, prefix, Date.now());
    assert.equal(l.oversized, 40);
    assert.equal(l.hosts.length, 152);
  } finally {
    small.close();
  }
});

test("forget: gone for longer than --gone-for, and gone unreadable records, deleted; the rest kept", async () => {
  const bad = await ctl("forget", "--gone-for", "soon");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--gone-for: not a duration/);
  const keep = await ctl("forget", "--gone-for", "3d");
  assert.equal(keep.code, 0, keep.stderr);
  assert.match(keep.stdout, /forgot 42 host\(s\)/, "only the unreadable and oversized gone records");
  const r = await ctl("forget");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /forgot 150 host\(s\) gone for over 24h/);
  const left = await client.getAll().prefix(`${prefix}hosts/`).keys();
  assert.deepEqual(left.sort(), [`${prefix}hosts/wn-ansi`, `${prefix}hosts/wn-up`]);
});
