// The fleet room's door for the daemon. Only this file's startFleet loads etcd3 (by
// dynamic import, through etcd-client.ts), and only when the config has a `fleet` key.
import type { Config } from "../config/schema.js";
import type { FleetAgent } from "./fleet-agent.js";
import { DEFAULT_PACING } from "./status-record.js";
import type { FleetHost, FleetState } from "./fleet-types.js";

export type { FleetCommand, FleetHost, FleetState, HostReport } from "./fleet-types.js";

export interface FleetHandle {
  state(): FleetState;
  stop(): Promise<void>;
}

/** Starts the fleet agent in the background; undefined without a `fleet` key. Never throws:
 *  a bad TLS file is logged and the daemon runs on alone. */
export async function startFleet(
  config: Config,
  host: FleetHost,
  hostname: string,
): Promise<FleetHandle | undefined> {
  const fleet = config.fleet;
  if (fleet === null) return undefined;
  let agent: FleetAgent;
  let close: () => void;
  try {
    const [{ connectEtcd }, { FleetAgent }] = await Promise.all([
      import("./etcd-client.js"),
      import("./fleet-agent.js"),
    ]);
    const client = await connectEtcd(fleet, undefined, true);
    close = () => client.close();
    agent = new FleetAgent(client, host, {
      name: fleet.name ?? hostname,
      ttlSeconds: Math.max(2, Math.ceil(fleet.ttl)),
      prefix: fleet.prefix,
      renewEverySeconds: fleet.renew_every,
      pacing: { ...DEFAULT_PACING, refreshMs: fleet.refresh_every * 1000 },
    });
  } catch (err) {
    host.log.warn(`fleet: not registering: ${(err as Error).message}`);
    return undefined;
  }
  agent.start();
  return {
    state: () => agent.state(),
    stop: async () => {
      await agent.stop();
      close();
    },
  };
}
