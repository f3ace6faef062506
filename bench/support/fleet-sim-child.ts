// A child process of simulated fleet hosts (the real FleetAgent), driven by the fleet
// benchmark over IPC, so the hosts use both cores and the benchmark's own timing is not
// held up by their event loop. The benchmark SIGKILLs one of them to kill its hosts.
// Messages in: start {endpoints, n, namePrefix, ttlSeconds, prefix}, stats, applied
// {action, sinceMs}, stop. Each gets one reply with the same `id`.
import type { Etcd3 } from "etcd3";
import { startHosts, type SimHost } from "./fleet-sim.js";
import { sleep } from "./wait.js";

interface Msg { id: number; cmd: "start" | "stats" | "applied" | "stop"; endpoints?: string[]; n?: number; namePrefix?: string; ttlSeconds?: number; prefix?: string; action?: string; sinceMs?: number }

let hosts: SimHost[] = [];
let clients: Etcd3[] = [];
const reply = (id: number, body: Record<string, unknown>) => process.send?.({ id, ...body });

process.on("message", (m: Msg) => {
  void (async () => {
    if (m.cmd === "start") {
      ({ hosts, clients } = await startHosts(m.endpoints!, m.n!, { ttlSeconds: m.ttlSeconds!, perClient: 250, prefix: m.prefix!, namePrefix: m.namePrefix!, pollMs: 1000 }));
      // A ramp, as a site's hosts do not all boot in the same millisecond.
      for (let i = 0; i < hosts.length; i += 250) {
        for (const h of hosts.slice(i, i + 250)) h.agent.start();
        await sleep(250);
      }
      reply(m.id, {});
    } else if (m.cmd === "stats") {
      reply(m.id, { connected: hosts.filter((h) => h.agent.state().connected).length, writes: hosts.reduce((a, h) => a + h.agent.state().writes, 0), rss: process.memoryUsage().rss });
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
