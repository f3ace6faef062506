// Load shedding of the fleet agent on a real three-member etcd (127.0.0.1, free ports):
// N real FleetAgents (no Docker; stub hosts) on shared clients, as many hosts share one
// etcd. (1) etcd stopped entirely for longer than twice the ttl, then started again: every
// host comes back on the lease it had (etcd extends leases when it elects a leader), so
// there is no re-registration at all and exactly one lease per host; commands reach every
// host again. (2) Every lease revoked at once (as when etcd expired them): every host
// registers again exactly once, on one new lease each, and says "unreachable" once.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Etcd3 } from "etcd3";
import { connectEtcd } from "../../src/fleet/etcd-client.js";
import { FleetAgent } from "../../src/fleet/fleet-agent.js";
import { sendCommand } from "../../src/fleet/fleet-view.js";
import { fleetKeys } from "../../src/fleet/keys.js";
import type { FleetCommand, FleetHost } from "../../src/fleet/fleet-types.js";
import { EtcdCluster, requireEtcd } from "../helpers/etcd-cluster.js";
import { waitFor } from "../helpers/wait.js";

const N = 120;
const PER_CLIENT = 40;
const TTL = 6;
const prefix = `/plancton-shed-${process.pid}/`;
const keys = fleetKeys(prefix);
const conn = (eps: string[]) => ({
  etcd: eps,
  username: null,
  password_file: null,
  ca_file: null,
  cert_file: null,
  key_file: null,
});

interface Sim {
  name: string;
  agent: FleetAgent;
  applied: FleetCommand[];
  warnings: string[];
}
let cluster: EtcdCluster;
let admin: Etcd3;
const clients: Etcd3[] = [];
const sims: Sim[] = [];

function stubHost(sim: Omit<Sim, "agent">): FleetHost {
  return {
    report: () => ({
      version: "test",
      engine: null,
      mode: sim.applied.at(-1)?.action === "drain" ? "draining" : "active",
      running: 0,
      paused: 0,
      max: 4,
      ncpus: 4,
      ownerCpu: 0.1,
      pilotCpu: 0,
      priority: "idle",
      config: "local",
      lastTickAtMs: Date.now(),
    }),
    apply: async (c) => void sim.applied.push(c),
    lastApplied: async () => undefined,
    log: { info: () => undefined, warn: (m) => void sim.warnings.push(m) },
  };
}

before(async () => {
  requireEtcd();
  cluster = await EtcdCluster.start(3);
  admin = await connectEtcd(conn(cluster.endpoints()), 30_000);
  for (let i = 0; i < N / PER_CLIENT; i++)
    clients.push(await connectEtcd(conn(cluster.endpoints()), undefined, true));
  for (let i = 0; i < N; i++) {
    const sim = { name: `shed${String(i).padStart(3, "0")}`, applied: [], warnings: [] };
    const agent = new FleetAgent(clients[Math.floor(i / PER_CLIENT)]!, stubHost(sim), {
      name: sim.name,
      ttlSeconds: TTL,
      prefix,
    });
    sims.push({ ...sim, agent });
    agent.start();
  }
});

after(async () => {
  await Promise.all(sims.map((s) => s.agent.stop()));
  for (const c of clients) c.close();
  await admin
    ?.delete()
    .prefix(prefix)
    .exec()
    .catch(() => undefined);
  admin?.close();
  await cluster?.stop();
});

const connected = () => sims.filter((s) => s.agent.state().connected).length;
const registrations = () => sims.map((s) => s.agent.state().registrations ?? 0);

/** The alive keys' leases, and etcd's leases: one per host, the same ones. */
async function leasesAreOnePerHost(): Promise<boolean> {
  const alive = await admin.getAll().prefix(keys.alivePrefix).exec();
  const leases = (await admin.leaseClient.leaseLeases()).leases.map((l) => String(l.ID));
  const bound = new Set(alive.kvs.map((kv) => String(kv.lease)));
  return (
    alive.kvs.length === N && bound.size === N && leases.length === N && leases.every((id) => bound.has(id))
  );
}

async function everyHostObeys(action: "drain" | "resume"): Promise<void> {
  await sendCommand(admin, prefix, "all", action, "test", "test@here", Date.now());
  await waitFor(
    `${action} --all on all ${N} hosts`,
    () => sims.every((s) => s.applied.at(-1)?.action === action),
    60_000,
    200,
  );
}

test(`${N} agents register, one lease each`, async () => {
  await waitFor(`${N} agents connected`, () => connected() === N, 120_000, 200);
  await waitFor("one lease per host", leasesAreOnePerHost, 60_000, 500);
  assert.deepEqual(new Set(registrations()), new Set([1]));
});

test("etcd stopped for over twice the ttl, then started: the same leases, no re-registration, commands flow", async () => {
  const before = await admin.getAll().prefix(keys.alivePrefix).exec();
  const leaseOf = new Map(before.kvs.map((kv) => [kv.key.toString(), String(kv.lease)]));
  await cluster.stopAll();
  const stoppedAt = Date.now();
  try {
    await waitFor(`all ${N} agents see etcd down`, () => connected() === 0, 60_000, 200);
    await waitFor("past twice the ttl", () => Date.now() - stoppedAt > 2.5 * TTL * 1000, 60_000, 200);
  } finally {
    for (let i = 0; i < 3; i++) cluster.startMember(i);
    await cluster.waitHealthy(120_000);
  }
  await waitFor(`${N} agents connected again`, () => connected() === N, 120_000, 200);
  assert.deepEqual(new Set(registrations()), new Set([1]), "no host granted a second lease");
  assert.ok(await leasesAreOnePerHost(), "exactly one lease per host in etcd");
  const after = await admin.getAll().prefix(keys.alivePrefix).exec();
  assert.deepEqual(
    new Map(after.kvs.map((kv) => [kv.key.toString(), String(kv.lease)])),
    leaseOf,
    "every alive key on the lease it had",
  );
  for (const s of sims)
    assert.equal(
      s.warnings.filter((w) => /^fleet: etcd unreachable since/.test(w)).length,
      1,
      `${s.name} said it once`,
    );
  await everyHostObeys("drain");
  await everyHostObeys("resume");
});

test("every lease revoked at once: each host registers again exactly once, on one new lease", async () => {
  const leases = (await admin.leaseClient.leaseLeases()).leases.map((l) => String(l.ID));
  assert.equal(leases.length, N);
  for (let i = 0; i < leases.length; i += 40)
    await Promise.all(leases.slice(i, i + 40).map((ID) => admin.leaseClient.leaseRevoke({ ID })));
  await waitFor(
    `all ${N} hosts registered again`,
    () => registrations().every((r) => r === 2) && connected() === N,
    120_000,
    200,
  );
  await waitFor("one (new) lease per host", leasesAreOnePerHost, 60_000, 500);
  const now = (await admin.leaseClient.leaseLeases()).leases.map((l) => String(l.ID));
  assert.equal(now.filter((id) => leases.includes(id)).length, 0, "none of the revoked leases");
  assert.deepEqual(new Set(registrations()), new Set([2]), "one re-registration per host, no storm");
  await everyHostObeys("drain");
});
