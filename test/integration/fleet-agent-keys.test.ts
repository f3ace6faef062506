// The agent's keys on a real etcd (one member, 127.0.0.1, free port), with real FleetAgents
// on stub hosts: a malformed command keeps the command in force (it was a delete: the
// older drain came back), a command's text is bounded and cleaned before it reaches the
// log and the daemon, an alive key deleted by hand is put back, and a second agent with
// the same name is refused (it overwrote the key; when the first stopped, the survivor
// showed as gone).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Etcd3 } from "etcd3";
import { encodeCommand } from "../../src/fleet/command.js";
import { connectEtcd } from "../../src/fleet/etcd-client.js";
import { FleetAgent } from "../../src/fleet/fleet-agent.js";
import { fleetKeys } from "../../src/fleet/keys.js";
import type { FleetCommand, FleetHost } from "../../src/fleet/fleet-types.js";
import { EtcdCluster, requireEtcd } from "../helpers/etcd-cluster.js";
import { waitFor } from "../helpers/wait.js";

const prefix = `/plancton-keys-${process.pid}/`;
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
  applied: FleetCommand[];
  lines: string[];
  host: FleetHost;
}
function sim(): Sim {
  const s: Sim = { applied: [], lines: [], host: undefined as unknown as FleetHost };
  s.host = {
    report: () => ({
      version: "test",
      engine: null,
      mode: "active",
      running: 0,
      paused: 0,
      max: 1,
      ncpus: 1,
      ownerCpu: 0,
      pilotCpu: 0,
      priority: "idle",
      config: "local",
      lastTickAtMs: null,
    }),
    apply: async (c) => void s.applied.push(c),
    lastApplied: async () => undefined,
    log: { info: (m) => void s.lines.push(m), warn: (m) => void s.lines.push(m) },
  };
  return s;
}

let cluster: EtcdCluster;
let admin: Etcd3;
const clients: Etcd3[] = [];
const agents: FleetAgent[] = [];

async function agent(name: string, s: Sim): Promise<FleetAgent> {
  const client = await connectEtcd(conn(cluster.endpoints()), undefined, true);
  clients.push(client);
  const a = new FleetAgent(client, s.host, { name, ttlSeconds: 3, prefix, pollMs: 100 });
  agents.push(a);
  a.start();
  return a;
}

before(async () => {
  requireEtcd();
  cluster = await EtcdCluster.start(1);
  admin = await connectEtcd(conn(cluster.endpoints()), 30_000);
});

after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  for (const c of clients) c.close();
  admin?.close();
  await cluster?.stop();
});

test("a malformed command keeps the command in force; text bounded and cleaned, refusals said once", async () => {
  const s = sim();
  const a = await agent("wn-cmd", s);
  await waitFor("registered", () => a.state().connected, 30_000);
  await admin.put(keys.allCommand).value(encodeCommand("drain", "old", "admin", Date.now()));
  await waitFor("drained", () => s.applied.at(-1)?.action === "drain", 20_000);
  await admin.put(keys.command("wn-cmd")).value(encodeCommand("resume", "", "admin", Date.now()));
  await waitFor("resumed", () => s.applied.at(-1)?.action === "resume", 20_000);
  const n = s.applied.length;
  await admin.put(keys.command("wn-cmd")).value('{"action":"drain","exec":"x"}');
  await admin.put(keys.command("wn-cmd")).value("not json at all");
  await admin
    .put(keys.command("wn-cmd"))
    .value(JSON.stringify({ action: "drain", reason: "z".repeat(1_400_000) }));
  await waitFor(
    "three refusals logged",
    () => s.lines.filter((l) => /ignoring/.test(l)).length === 3,
    20_000,
  );
  // A marker command after the junk: when it arrives, everything before it was seen.
  await admin.put(keys.allCommand).value(encodeCommand("resume", "marker", "admin", Date.now()));
  await waitFor("the marker", () => s.applied.at(-1)?.reason === "marker", 20_000);
  assert.deepEqual(
    s.applied.slice(n).map((c) => c.action),
    ["resume"],
    "no drain came back between the junk and the marker",
  );
  const refusals = s.lines.filter((l) => /ignoring/.test(l));
  assert.match(
    refusals[0]!,
    /ignoring the host's command at revision \d+ \(.*exec.*\); the command in force stays/,
  );
  assert.match(refusals[2]!, /over 4096/);
  assert.ok(
    refusals.every((l) => l.length < 300),
    "each refusal is one bounded line",
  );

  const who = "\u001b]0;pwned\u0007\u001b[31mroot@admin-console";
  await admin.put(keys.allCommand).value(encodeCommand("drain", "r".repeat(3000), who, Date.now()));
  await waitFor("drained by the escaped admin", () => s.applied.at(-1)?.action === "drain", 20_000);
  const c = s.applied.at(-1)!;
  assert.equal(c.who, "]0;pwned[31mroot@admin-console");
  assert.equal(c.reason.length, 256, "the daemon's copy (rundir/fleet-command) is bounded");
  const line = s.lines.find((l) => l.startsWith("fleet: drain by ]0;pwned"))!;
  // eslint-disable-next-line no-control-regex
  assert.ok(line.length < 320 && !/[\u0000-\u001f]/.test(line), line);
});

test("an alive key deleted by hand is put back on the same lease", async () => {
  const s = sim();
  const a = await agent("wn-alive", s);
  await waitFor("registered", () => a.state().connected, 30_000);
  const before = (await admin.get(keys.alive("wn-alive")).exec()).kvs[0]!;
  await admin.delete().key(keys.alive("wn-alive")).exec();
  const back = await waitFor(
    "the alive key back",
    async () => (await admin.get(keys.alive("wn-alive")).exec()).kvs[0],
    20_000,
    100,
  );
  assert.equal(back.lease, before.lease);
  assert.equal(a.state().registrations, 1, "no new lease");
});

test("two agents with one name: the second is refused and told which lease; it takes over when the first stops", async () => {
  const s1 = sim();
  const s2 = sim();
  const first = await agent("wn-twin", s1);
  await waitFor("the first registered", () => first.state().connected, 30_000);
  const held = (await admin.get(keys.alive("wn-twin")).exec()).kvs[0]!;
  const second = await agent("wn-twin", s2);
  const hex = BigInt(held.lease).toString(16);
  await waitFor("the second refused", () => s2.lines.some((l) => l.includes(`lease ${hex}`)), 30_000);
  assert.match(
    s2.lines.find((l) => l.includes(hex))!,
    /fleet: the fleet name wn-twin is held by another live agent/,
  );
  assert.equal(second.state().connected, false);
  assert.equal(
    (await admin.get(keys.alive("wn-twin")).exec()).kvs[0]?.lease,
    held.lease,
    "the first keeps it",
  );
  await first.stop();
  await waitFor("the second registered", () => second.state().connected, 60_000, 100);
  const now = (await admin.get(keys.alive("wn-twin")).exec()).kvs[0];
  assert.ok(now !== undefined && now.lease !== held.lease, "alive, on the survivor's lease");
  assert.equal(s2.lines.filter((l) => l.includes("is held by")).length, 1, "said once");
});
