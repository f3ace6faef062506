// Benchmark "fleet" (issue 17): 1,000 and 10,000 simulated hosts, each the real
// FleetAgent (many per process, on shared etcd clients, no Docker), against a real
// three-member etcd on this machine (Debian's etcd-server, free 127.0.0.1 ports).
// Per level: steady-state puts/s (etcd's own counter) and lease renewals/s, bytes per
// host, etcd's RSS and db size, `planctonctl fleet status --json` wall time, time for
// `drain --all` to reach 99 % of hosts, and time for SIGKILLed hosts (their client closed:
// no revoke, no more keep-alives) to show as gone, p99.
// Targets: <= 500 writes/s at 10,000 hosts, <= 1 KiB per host, gone within ttl + 5 s
// p99, drain to 99 % within 2 s, status within 2 s.
// Run: npm run build && node --import tsx bench/fleet.ts   (PLANCTON_BENCH_FLEET_HOSTS=1000,10000,
// PLANCTON_BENCH_FLEET_STEADY_SECONDS=60)
import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import type { Etcd3 } from "etcd3";
import { connectEtcd } from "../src/fleet/etcd-client.js";
import { listFleet, sendCommand } from "../src/fleet/fleet-view.js";
import { fleetKeys } from "../src/fleet/keys.js";
import { BIN } from "../test/helpers/cli.js";
import { EtcdCluster } from "../test/helpers/etcd-cluster.js";
import { metric, rssBytes, startHosts, type SimHost } from "./support/fleet-sim.js";
import type { Figure } from "./support/figures.js";
import { benchMain, isMain, type BenchContext, type BenchOutput } from "./support/runner.js";
import { median, quantile, round } from "./support/stats.js";
import { sleep } from "./support/wait.js";

const run = promisify(execFile);
const LEVELS = (process.env.PLANCTON_BENCH_FLEET_HOSTS ?? "1000,10000").split(",").map(Number);
const STEADY_SECONDS = Number(process.env.PLANCTON_BENCH_FLEET_STEADY_SECONDS ?? 60);
const TTL = 15;
const PER_CLIENT = 250;
const PREFIX = "/plancton/";
const keys = fleetKeys(PREFIX);

async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Time for `action --all` to reach each host (ms after the put returned), and the p99. */
async function commandAll(admin: Etcd3, hosts: SimHost[], action: "drain" | "resume"): Promise<{ p50: number; p99: number; reached: number }> {
  const t0 = Date.now();
  await sendCommand(admin, PREFIX, "all", action, "bench", "bench@here", t0);
  const target = Math.ceil(hosts.length * 0.99);
  const reached = () => hosts.filter((h) => (h.applied.get(action) ?? 0) >= t0).length;
  await waitUntil(`${action} on 99 % of ${hosts.length} hosts`, () => reached() >= target, 120_000, 20);
  await waitUntil(`${action} on every host`, () => reached() === hosts.length, 10_000, 50).catch(() => undefined);
  const lat = hosts.map((h) => (h.applied.get(action) ?? NaN) - t0).filter(Number.isFinite);
  return { p50: median(lat), p99: quantile(lat, 0.99), reached: lat.length };
}

async function level(ctx: BenchContext, cluster: EtcdCluster, n: number): Promise<{ figures: Figure[]; details: Record<string, unknown> }> {
  const eps = cluster.endpoints();
  const admin = await connectEtcd({ etcd: eps, username: null, password_file: null, ca_file: null, cert_file: null, key_file: null }, 30_000);
  await admin.delete().prefix(PREFIX).exec();
  const victimCount = Math.min(PER_CLIENT, Math.round(n / 10));
  const { hosts, clients } = await startHosts(eps, n - victimCount, { ttlSeconds: TTL, perClient: PER_CLIENT, prefix: PREFIX, namePrefix: `sim${n}-`, pollMs: 1000 });
  const t0 = performance.now();
  for (let i = 0; i < hosts.length; i += 500) {
    for (const h of hosts.slice(i, i + 500)) h.agent.start();
    await sleep(250);
  }
  await waitUntil(`${n - victimCount} hosts registered`, () => hosts.every((h) => h.agent.state().connected), 600_000, 200);
  // The hosts to SIGKILL run in a child process: a real kill, no revoke, no last word.
  const victims = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "support/fleet-victims.ts")], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, FLEET_ENDPOINTS: eps.join(","), FLEET_VICTIMS: String(victimCount), FLEET_PREFIX: PREFIX, FLEET_NAME_PREFIX: `victim${n}-`, FLEET_TTL: String(TTL) },
  });
  ctx.onCleanup(() => victims.kill("SIGKILL"));
  let victimOut = "";
  victims.stdout.on("data", (b: Buffer) => (victimOut += b.toString()));
  await waitUntil(`${victimCount} hosts to kill registered`, () => victimOut.includes("ready"), 300_000, 100);
  const registerS = (performance.now() - t0) / 1000;
  ctx.log(`${n} hosts registered in ${registerS.toFixed(1)} s; steady state for ${STEADY_SECONDS} s`);
  await sleep(5_000);

  const counters = async () => ({
    puts: await metric(eps[0]!, "etcd_mvcc_put_total"),
    renewals: (await Promise.all(eps.map((e) => metric(e, "etcd_debugging_lease_renewed_total")))).reduce((a, b) => a + b, 0),
    writes: hosts.reduce((a, h) => a + h.agent.state().writes, 0),
  });
  const c0 = await counters();
  const s0 = performance.now();
  await sleep(STEADY_SECONDS * 1000);
  const c1 = await counters();
  const secs = (performance.now() - s0) / 1000;
  const putsPerS = (c1.puts - c0.puts) / secs;
  const renewalsPerS = (c1.renewals - c0.renewals) / secs;
  const agentWritesPerS = (c1.writes - c0.writes) / secs;

  const statuses = await admin.getAll().prefix(keys.statusPrefix).exec();
  const alive = await admin.getAll().prefix(keys.alivePrefix).exec();
  const bytes = (kvs: { key: Buffer; value: Buffer }[]) => kvs.reduce((a, kv) => a + kv.key.length + kv.value.length, 0);
  const maxValue = Math.max(...statuses.kvs.map((kv) => kv.value.length));
  const bytesPerHost = (bytes(statuses.kvs) + bytes(alive.kvs)) / n;
  const rss = cluster.members.map((_, i) => rssBytes(cluster.pid(i)));
  const dbBytes = Math.max(...(await Promise.all(eps.map((e) => metric(e, "etcd_mvcc_db_total_size_in_bytes")))));
  const benchRss = process.memoryUsage().rss;

  // fleet status: the built CLI, as an admin runs it (node start-up included), and the listing alone.
  const cliMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = await run(process.execPath, [BIN, "--config", "/nonexistent/config.yaml", "fleet", "status", "--json", "--etcd", ...eps], { maxBuffer: 256 * 2 ** 20, timeout: 120_000 });
    cliMs.push(performance.now() - t);
    const listed = (JSON.parse(r.stdout) as { hosts: unknown[] }).hosts.length;
    if (listed !== n) throw new Error(`fleet status listed ${listed} hosts, not ${n}`);
  }
  const tl = performance.now();
  await listFleet(admin, PREFIX, Date.now());
  const listMs = performance.now() - tl;

  const drain = await commandAll(admin, hosts, "drain");
  await sleep(3000); // past the agents' least time between two writes
  const resume = await commandAll(admin, hosts, "resume");
  ctx.log(`drain --all: p99 ${drain.p99} ms; resume --all: p99 ${resume.p99} ms`);

  const goneAt = new Map<string, number>();
  const watcher = await admin.watch().prefix(keys.alivePrefix).create();
  watcher.on("delete", (kv) => void goneAt.set(kv.key.toString().slice(keys.alivePrefix.length), Date.now()));
  const killedAt = Date.now();
  victims.kill("SIGKILL");
  const isVictim = (name: string) => name.startsWith(`victim${n}-`);
  await waitUntil(`${victimCount} killed hosts gone`, () => [...goneAt.keys()].filter(isVictim).length >= victimCount, (TTL * 3 + 60) * 1000, 100).catch((e: Error) => ctx.log(e.message));
  await watcher.cancel();
  const gone = [...goneAt].filter(([name]) => isVictim(name)).map(([, at]) => (at - killedAt) / 1000);
  const goneP99 = gone.length === victimCount ? quantile(gone, 0.99) : NaN;

  await Promise.all(hosts.map((h) => h.agent.stop()));
  for (const c of clients) c.close();
  await admin.delete().prefix(PREFIX).exec();
  admin.close();

  const k = n.toLocaleString("en");
  const f = (id: string, figure: string, value: number, unit: string, display: string, target?: string, pass?: boolean, note?: string): Figure =>
    ({ id: `fleet.${n}.${id}`, figure: `fleet, ${k} hosts: ${figure}`, value: Number.isFinite(value) ? round(value, 2) : null, unit, display, target, pass, note });
  const writesTarget = n >= 10_000 ? 500 : 50;
  return {
    figures: [
      f("writes_per_s", "etcd puts/s, steady state", putsPerS, "/s", `${putsPerS.toFixed(0)} puts/s (+ ${renewalsPerS.toFixed(0)} lease renewals/s)`, `<= ${writesTarget}/s`, putsPerS <= writesTarget,
        `etcd_mvcc_put_total over ${secs.toFixed(0)} s; agents counted ${agentWritesPerS.toFixed(0)} writes/s; renewals are keep-alives (ttl ${TTL} s / 3), not raft writes`),
      f("bytes_per_host", "bytes per host in etcd (status + alive keys and values)", bytesPerHost, "B", `${bytesPerHost.toFixed(0)} B (largest status value ${maxValue} B)`, "<= 1024 B", bytesPerHost <= 1024),
      f("etcd_rss", "etcd RSS per member (max) / db size", Math.max(...rss), "B", `${(Math.max(...rss) / 2 ** 20).toFixed(0)} MiB / ${(dbBytes / 2 ** 20).toFixed(1)} MiB`, undefined, undefined, `bench process RSS ${(benchRss / 2 ** 20).toFixed(0)} MiB for ${k} agents`),
      f("gone_p99_s", `SIGKILLed host shows as gone, p99 of ${victimCount}`, goneP99, "s", `${goneP99.toFixed(1)} s (median ${median(gone).toFixed(1)} s)`, `<= ttl + 5 = ${TTL + 5} s`, goneP99 <= TTL + 5),
      f("drain_99_s", "drain --all reaches 99 % of hosts", drain.p99 / 1000, "s", `${(drain.p99 / 1000).toFixed(2)} s (median ${(drain.p50 / 1000).toFixed(2)} s; resume --all ${(resume.p99 / 1000).toFixed(2)} s)`, "<= 2 s", drain.p99 <= 2000),
      f("status_s", "planctonctl fleet status --json", median(cliMs) / 1000, "s", `${(median(cliMs) / 1000).toFixed(2)} s (listing alone ${(listMs / 1000).toFixed(2)} s)`, "<= 2 s", median(cliMs) <= 2000, "built CLI, median of 3, node start-up included"),
    ],
    details: { n, registerS, putsPerS, renewalsPerS, agentWritesPerS, bytesPerHost, maxValue, rss, dbBytes, benchRss, cliMs, listMs, drain, resume, gone },
  };
}

export async function fleetBench(ctx: BenchContext): Promise<BenchOutput> {
  const cluster = await EtcdCluster.start(3);
  ctx.onCleanup(() => cluster.stop());
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  for (const n of LEVELS) {
    ctx.log(`level ${n} hosts`);
    const r = await level(ctx, cluster, n);
    figures.push(...r.figures);
    details[String(n)] = r.details;
  }
  return { figures, details, notes: [`three etcd members (heartbeat 200 ms, election 3 s) on 127.0.0.1 and every simulated host in one Node process, on the same 2 cores`] };
}

if (isMain(import.meta.url)) await benchMain("fleet", fleetBench);
