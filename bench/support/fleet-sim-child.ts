// A child process of simulated fleet hosts (the real FleetAgent), driven by the fleet
// benchmark over IPC, so the hosts use both cores and the benchmark's own timing is not
// held up by their event loop. The benchmark SIGKILLs one of them to kill its hosts.
// Messages in: start {endpoints, n, sim: {namePrefix, ttlSeconds, renewEverySeconds, refreshMs, prefix, auth?}},
// stats, applied {action, sinceMs}, stop. Each gets one reply with the same `id`.
import type { Etcd3 } from "etcd3";
import { startHosts, type SimHost, type SimOptions } from "./fleet-sim.js";
import { sleep } from "./wait.js";

interface Msg {
  id: number;
  cmd: "start" | "stats" | "applied" | "stop";
  endpoints?: string[];
  n?: number;
  sim?: Omit<SimOptions, "perClient" | "pollMs">;
  action?: string;
  sinceMs?: number;
}

// Hosts per etcd client: under 128, the events etcd 3.4 buffers per watch stream (the
// rest wait for its retry loop), or a drain --all would queue behind a buffer that no
// real host (2 watches on its own client's stream) ever fills.
const PER_CLIENT = 50;
let hosts: SimHost[] = [];
let clients: Etcd3[] = [];
const reply = (id: number, body: Record<string, unknown>) => process.send?.({ id, ...body });

process.on("message", (m: Msg) => {
  void (async () => {
    if (m.cmd === "start") {
      ({ hosts, clients } = await startHosts(m.endpoints!, m.n!, {
        ...m.sim!,
        perClient: PER_CLIENT,
        pollMs: 1000,
      }));
      // A ramp, as a site's hosts do not all boot in the same millisecond.
      for (let i = 0; i < hosts.length; i += 250) {
        for (const h of hosts.slice(i, i + 250)) h.agent.start();
        await sleep(250);
      }
      reply(m.id, {});
    } else if (m.cmd === "stats") {
      const states = hosts.map((h) => h.agent.state());
      const total = (f: (s: (typeof states)[number]) => number | undefined) =>
        states.reduce((a, s) => a + (f(s) ?? 0), 0);
      reply(m.id, {
        connected: states.filter((s) => s.connected).length,
        writes: total((s) => s.writes),
        renewals: total((s) => s.renewals),
        registrations: total((s) => s.registrations),
        rss: process.memoryUsage().rss,
      });
    } else if (m.cmd === "applied") {
      const lat = hosts.map((h) => (h.applied.get(m.action!) ?? 0) - m.sinceMs!).filter((ms) => ms >= 0);
      reply(m.id, { lat, n: hosts.length });
    } else if (m.cmd === "stop") {
      await Promise.all(hosts.map((h) => h.agent.stop()));
      for (const c of clients) c.close();
      reply(m.id, {});
      setTimeout(() => process.exit(0), 100);
    }
  })();
});
