// A child process of simulated fleet hosts for the benchmark to SIGKILL: it registers
// FLEET_VICTIMS hosts and prints "ready" once every one is registered.
// Env: FLEET_ENDPOINTS (comma-separated), FLEET_VICTIMS, FLEET_PREFIX, FLEET_NAME_PREFIX, FLEET_TTL.
import { startHosts } from "./fleet-sim.js";

const env = (k: string) => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`${k} is not set`);
  return v;
};
const n = Number(env("FLEET_VICTIMS"));
const { hosts } = await startHosts(env("FLEET_ENDPOINTS").split(","), n, { ttlSeconds: Number(env("FLEET_TTL")), perClient: 250, prefix: env("FLEET_PREFIX"), namePrefix: env("FLEET_NAME_PREFIX"), pollMs: 1000 });
for (const h of hosts) h.agent.start();
const timer = setInterval(() => {
  if (hosts.every((h) => h.agent.state().connected)) {
    clearInterval(timer);
    process.stdout.write("ready\n");
  }
}, 100);
