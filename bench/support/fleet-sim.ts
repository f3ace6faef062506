// Simulated hosts for the fleet benchmark: the real FleetAgent, many per process, each
// with a FleetHost whose pilots and CPU move like a busy site's (a pilot starts or ends
// about every 20 minutes per host, CPU changes at every poll), and etcd's own figures
// (its /metrics and each member's RSS).
import { readFileSync } from "node:fs";
import type { Etcd3 } from "etcd3";
import { connectEtcd } from "../../src/fleet/etcd-client.js";
import { FleetAgent } from "../../src/fleet/fleet-agent.js";
import { DEFAULT_PACING } from "../../src/fleet/status-record.js";
import type { FleetCommand, FleetHost, HostReport } from "../../src/fleet/fleet-types.js";

export interface SimHost {
  name: string;
  agent: FleetAgent;
  /** When the host applied each command (ms, Date.now()), by action. */
  applied: Map<string, number>;
}

const quiet = { info: () => undefined, warn: () => undefined };

function simHost(applied: Map<string, number>, pollMs: number): FleetHost {
  let running = 4;
  const churn = pollMs / (20 * 60_000);
  return {
    report(): HostReport {
      if (Math.random() < churn) running = Math.max(0, Math.min(8, running + (Math.random() < 0.5 ? -1 : 1)));
      return {
        version: "1.0.0-alpha.1",
        engine: "docker 20.10.24",
        mode: applied.size && [...applied.keys()].at(-1) === "drain" ? "draining" : "active",
        running,
        paused: 0,
        max: 8,
        ncpus: 16,
        ownerCpu: Math.random() * 0.3,
        pilotCpu: running / 16,
        priority: "idle",
        config: "local",
        lastTickAtMs: Date.now(),
      };
    },
    apply: async (c: FleetCommand) => {
      applied.delete(c.action);
      applied.set(c.action, Date.now());
    },
    lastApplied: async () => undefined,
    log: quiet,
  };
}

export interface SimOptions {
  ttlSeconds: number;
  renewEverySeconds: number | null;
  refreshMs: number;
  perClient: number;
  prefix: string;
  namePrefix: string;
  pollMs: number;
  /** Per-host etcd users (fleet grant): each host its own user plancton-NAME, hence its own client. */
  auth?: { passwordFile: string };
}

/** n hosts over ceil(n / perClient) etcd clients, each client as the daemon makes it (its
 *  deadlines, no retry of a timed-out call); every host its own agent, lease and keys. */
export async function startHosts(
  endpoints: string[],
  n: number,
  opts: SimOptions,
): Promise<{ hosts: SimHost[]; clients: Etcd3[] }> {
  const conn = (name: string) => ({
    etcd: endpoints,
    username: opts.auth ? `plancton-${name}` : null,
    password_file: opts.auth?.passwordFile ?? null,
    ca_file: null,
    cert_file: null,
    key_file: null,
  });
  const perClient = opts.auth ? 1 : opts.perClient;
  const clients: Etcd3[] = [];
  const hosts: SimHost[] = [];
  for (let i = 0; i < n; i++) {
    const applied = new Map<string, number>();
    const name = simName(opts.namePrefix, i);
    if (i % perClient === 0) clients.push(await connectEtcd(conn(name), undefined, true));
    const agent = new FleetAgent(clients[Math.floor(i / perClient)]!, simHost(applied, opts.pollMs), {
      name,
      ttlSeconds: opts.ttlSeconds,
      renewEverySeconds: opts.renewEverySeconds,
      prefix: opts.prefix,
      pollMs: opts.pollMs,
      pacing: { ...DEFAULT_PACING, refreshMs: opts.refreshMs },
    });
    hosts.push({ name, agent, applied });
  }
  return { hosts, clients };
}

export const simName = (prefix: string, i: number) => `${prefix}${String(i).padStart(5, "0")}`;

/** CPU seconds a process has used (user + system), from /proc (clock ticks of 1/100 s). */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Prometheus text from a member's /metrics: the sum of the samples of one metric (of those whose labels contain `label`). */
export async function metric(endpoint: string, name: string, label = ""): Promise<number> {
  const text = await (await fetch(`${endpoint}/metrics`, { signal: AbortSignal.timeout(60_000) })).text();
  let sum = 0;
  for (const line of text.split("\n"))
    if ((line.startsWith(`${name} `) || line.startsWith(`${name}{`)) && line.includes(label))
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  return sum;
}

export function rssBytes(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}
