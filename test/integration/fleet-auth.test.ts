// Per-host identities on a real etcd 3.4 with auth enabled (one member, 127.0.0.1, free
// port): `planctonctl fleet grant` (as etcd's root) makes a user and a role per host and
// prints its fleet lines; the real agent, started from those lines with host A's password,
// registers and obeys commands, while A's credentials are PERMISSION_DENIED on command/all,
// on B's keys and on anything else; the admin role runs status, drain, resume and forget
// but manages no user; a read-only user can run status (it deletes nothing now); revoke
// removes a host's user. Before: every host had the one read-write user of the prefix.
import assert from "node:assert/strict";
import { readFile, stat, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { Range, type Etcd3 } from "etcd3";
import { parseConfigText } from "../../src/config/parse.js";
import { encodeCommand } from "../../src/fleet/command.js";
import { connectEtcd } from "../../src/fleet/etcd-client.js";
import { startFleet, type FleetHandle } from "../../src/fleet/index.js";
import { encodeStatus } from "../../src/fleet/status-record.js";
import type { FleetCommand, FleetHost } from "../../src/fleet/fleet-types.js";
import { planctonctl } from "../helpers/cli.js";
import { EtcdCluster, requireEtcd } from "../helpers/etcd-cluster.js";
import { waitFor } from "../helpers/wait.js";

let cluster: EtcdCluster;
let dir = "";
let root: Etcd3;
const handles: FleetHandle[] = [];
const conn = (username: string | null = null, password_file: string | null = null) => ({
  etcd: cluster.endpoints(),
  username,
  password_file,
  ca_file: null,
  cert_file: null,
  key_file: null,
});
const cfg = (name: string) => path.join(dir, `${name}.yaml`);
const as = (who: string, ...args: string[]) => planctonctl(["--config", cfg(who), "fleet", ...args]);

async function userConfig(name: string, user: string, password: string): Promise<void> {
  await writeFile(path.join(dir, `${name}.pw`), `${password}\n`, { mode: 0o600 });
  await writeFile(
    cfg(name),
    `fleet:\n  etcd: [${cluster.endpoints()[0]}]\n  username: ${user}\n  password_file: ${path.join(dir, `${name}.pw`)}\n`,
  );
}

function stubHost(applied: FleetCommand[]): FleetHost {
  return {
    report: () => ({
      version: "t",
      engine: null,
      mode: applied.at(-1)?.action === "drain" ? "draining" : "active",
      running: 1,
      paused: 0,
      max: 2,
      ncpus: 2,
      ownerCpu: 0,
      pilotCpu: 0.5,
      priority: "idle",
      config: "local",
      lastTickAtMs: null,
    }),
    apply: async (c) => void applied.push(c),
    lastApplied: async () => undefined,
    log: { info: () => undefined, warn: () => undefined },
  };
}

before(async () => {
  requireEtcd();
  dir = await mkdtemp(path.join(os.tmpdir(), "plancton-fleetauth-"));
  cluster = await EtcdCluster.start(1);
  // etcd up with auth: a root user, then auth enabled (the README's first steps, by etcd3's API).
  const open = await connectEtcd(conn(), 30_000);
  await open.user("root").create("rootpw");
  await open.user("root").addRole("root");
  await open.auth.authEnable({});
  open.close();
  await userConfig("root", "root", "rootpw");
  root = await connectEtcd(conn("root", path.join(dir, "root.pw")), 30_000);
});

after(async () => {
  for (const h of handles) await h.stop().catch(() => undefined);
  root?.close();
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("grant: a password file per host (0600) and its fleet lines; names checked", async () => {
  const out = path.join(dir, "out");
  const bad = await as("root", "grant", "wn/a", "--out", out);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a fleet name: "wn\/a"/);
  const r = await as("root", "grant", "wn-a", "wn-b", "--out", out);
  assert.equal(r.code, 0, r.stderr);
  for (const n of ["wn-a", "wn-b"]) {
    const st = await stat(path.join(out, `${n}.password`));
    assert.equal(st.mode & 0o777, 0o600, `${n}.password mode`);
    assert.ok((await readFile(path.join(out, `${n}.password`), "utf8")).trim().length >= 32);
  }
  assert.match(
    r.stdout,
    new RegExp(
      `# wn-a: copy .*wn-a\\.password to /etc/plancton/etcd-password \\(mode 0600\\) on the host\\n` +
        `fleet:\\n  etcd: \\[${cluster.endpoints()[0]}\\]\\n  name: wn-a\\n  username: plancton-wn-a\\n` +
        `  password_file: /etc/plancton/etcd-password\\n`,
    ),
  );
  const roles = (await root.getRoles()).map((x) => x.name).sort();
  assert.deepEqual(roles, ["plancton-admin", "plancton-host-wn-a", "plancton-host-wn-b"]);
  const perms = await root.role("plancton-host-wn-a").permissions();
  assert.deepEqual(perms.map((x) => `${x.permission} ${x.range.start.toString()}`).sort(), [
    "Read /plancton/command/all",
    "Read /plancton/command/host/wn-a",
    "Readwrite /plancton/alive/wn-a",
    "Readwrite /plancton/hosts/wn-a",
  ]);
});

test("host A's credentials: its agent registers and obeys; command/all, B's keys and the rest are PERMISSION_DENIED", async () => {
  const text = (await as("root", "grant", "wn-a", "--out", path.join(dir, "out"))).stdout;
  const yaml = text
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n")
    .replace("/etc/plancton/etcd-password", path.join(dir, "out", "wn-a.password"));
  const applied: FleetCommand[] = [];
  const config = parseConfigText(`${yaml}\n  ttl: 3\n`, "wn-a.yaml").config;
  const handle = (await startFleet(config, stubHost(applied), "ignored"))!;
  handles.push(handle);
  await waitFor("wn-a registered with its own user", () => handle.state().connected, 30_000, 100);

  const a = await connectEtcd(conn("plancton-wn-a", path.join(dir, "out", "wn-a.password")), 10_000);
  try {
    const denied = async (what: string, p: Promise<unknown>) =>
      assert.rejects(p, /permission denied/i, `${what} must be denied to wn-a`);
    const drain = encodeCommand("drain", "", "root@admin-console", Date.now());
    await denied("put command/all", a.put("/plancton/command/all").value(drain).exec());
    await denied("put command/host/wn-b", a.put("/plancton/command/host/wn-b").value(drain).exec());
    await denied("put its own command key", a.put("/plancton/command/host/wn-a").value(drain).exec());
    await denied("put hosts/wn-b", a.put("/plancton/hosts/wn-b").value("{}").exec());
    await denied("put alive/wn-b", a.put("/plancton/alive/wn-b").value("{}").exec());
    await denied("read hosts/wn-b", a.get("/plancton/hosts/wn-b").exec());
    await denied("list the fleet", a.getAll().prefix("/plancton/").keys());
    await denied("delete alive/", a.delete().prefix("/plancton/alive/").exec());
    await denied("write outside", a.put("/other").value("x").exec());
    await denied("add a user", a.user("evil").create("x"));
    // Its own keys: yes.
    await a
      .put("/plancton/hosts/wn-a")
      .value(encodeStatus({ ...stubHost([]).report(), name: "wn-a", atMs: 1 }));
  } finally {
    a.close();
  }
  // The admin role: status, drain, resume (and forget, below) but no user management.
  await root.user("ops").create("opspw");
  await root.user("ops").addRole("plancton-admin");
  await userConfig("ops", "ops", "opspw");
  const st = await as("ops", "status", "--json");
  assert.equal(st.code, 0, st.stderr);
  assert.equal((JSON.parse(st.stdout) as { hosts: { name: string; state: string }[] }).hosts[0]?.state, "up");
  assert.equal((await as("ops", "drain", "wn-a", "--reason", "kernel")).code, 0);
  await waitFor("wn-a drained by ops", () => applied.at(-1)?.action === "drain", 20_000);
  assert.equal((await as("ops", "resume", "--all")).code, 0);
  await waitFor("wn-a resumed", () => applied.at(-1)?.action === "resume", 20_000);
  const grant = await as("ops", "grant", "wn-c", "--out", path.join(dir, "out-ops"));
  assert.equal(grant.code, 1);
  assert.match(grant.stderr, /permission denied/i);
});

test("status is read-only: a user that may only read the prefix lists a stale fleet; forget needs the admin role", async () => {
  const old = { ...stubHost([]).report(), name: "wn-old", atMs: Date.now() - 3 * 86400_000 };
  await root.put("/plancton/hosts/wn-old").value(encodeStatus(old));
  await root.role("viewer").create();
  await root.role("viewer").grant({ permission: "Read", range: Range.prefix("/plancton/") });
  await root.user("viewer").create("viewpw");
  await root.user("viewer").addRole("viewer");
  await userConfig("viewer", "viewer", "viewpw");
  const st = await as("viewer", "status");
  assert.equal(st.code, 0, st.stderr);
  assert.match(st.stdout, /wn-old\s+gone/);
  const no = await as("viewer", "forget");
  assert.equal(no.code, 1);
  assert.match(no.stderr, /permission denied/i);
  const yes = await as("ops", "forget", "--gone-for", "2d");
  assert.equal(yes.code, 0, yes.stderr);
  assert.match(yes.stdout, /forgot 1 host/);
});

test("revoke: the host's user and role are gone, its password no longer opens etcd", async () => {
  const r = await as("root", "revoke", "wn-b");
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!(await root.getUsers()).some((u) => u.name === "plancton-wn-b"));
  assert.ok(!(await root.getRoles()).some((x) => x.name === "plancton-host-wn-b"));
  const b = await connectEtcd(conn("plancton-wn-b", path.join(dir, "out", "wn-b.password")), 10_000);
  try {
    await assert.rejects(b.get("/plancton/hosts/wn-b").exec(), /authentication failed|invalid/i);
  } finally {
    b.close();
  }
  assert.equal((await as("root", "revoke", "wn-b")).code, 0, "revoking again is not an error");
});
