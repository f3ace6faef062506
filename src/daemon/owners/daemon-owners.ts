// The owner of each fact of the daemon, in one bundle: Daemon builds them, the Reconciler
// reads them each tick, the status snapshot asks them, a new configuration reaches them.
import type { ContainerEngine } from "../../runtime/index.js";
import type { Logger } from "../process/logger.js";
import type { DaemonMetrics } from "../report/daemon-metrics.js";
import type { Accounting } from "../report/accounting.js";
import type { HistoryLog } from "../report/history.js";
import type { ConfigInForce } from "./config-in-force.js";
import type { ConfigStore } from "./config-store.js";
import type { ControlWatcher } from "./control-watcher.js";
import type { EngineConnection } from "./engine-connection.js";
import type { DaemonFleet } from "./fleet-link.js";
import type { GiveBack } from "./give-back.js";
import type { GracefulStops } from "./graceful-stops.js";
import type { HostSamplingLike } from "./host-sampling.js";
import type { ImagePuller } from "./image-puller.js";
import type { ManagedInstances } from "./instances.js";
import type { PilotPlacementLike } from "./pilot-placement.js";

export interface DaemonOwners {
  engine: ContainerEngine;
  logger: Logger;
  clock: () => number;
  /** The configuration's sources (file, URL, git) / the configuration in force. */
  configStore: ConfigStore;
  inForce: ConfigInForce;
  control: ControlWatcher;
  connection: EngineConnection;
  instances: ManagedInstances;
  sampling: HostSamplingLike;
  placement: PilotPlacementLike;
  puller: ImagePuller;
  stops: GracefulStops;
  history: HistoryLog;
  metrics: DaemonMetrics;
  fleet: DaemonFleet;
  /** Each pilot's CPU seconds from its cgroup, the harvest counters, history_keep. */
  accounting: Accounting;
  /** The freeze through the kernel, memory victims, the reads between samples, owner_suppress. */
  giveBack: GiveBack;
}
