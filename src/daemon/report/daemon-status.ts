// The daemon's status snapshot gathered from the owner of each fact at the moment it is
// asked (status-view.ts shapes it); the daemon hands its owners over, nothing is kept.
import type { Decision } from "../../policy/types.js";
import type { PilotInfo } from "../../runtime/index.js";
import type { Observation } from "../../vocabulary.js";
import type { ConfigInForce } from "../owners/config-in-force.js";
import type { ControlWatcher } from "../owners/control-watcher.js";
import type { EngineConnection } from "../owners/engine-connection.js";
import type { HostSamplingLike } from "../owners/host-sampling.js";
import type { ImagePuller } from "../owners/image-puller.js";
import type { ManagedInstances } from "../owners/instances.js";
import type { PilotPlacementLike } from "../owners/pilot-placement.js";
import type { DaemonMetrics } from "./daemon-metrics.js";
import type { LastTick, StatusSnapshot } from "./status.js";
import { statusOf, type StatusParts } from "./status-view.js";

export interface StatusOwners {
  inForce: ConfigInForce;
  control: ControlWatcher;
  connection: EngineConnection;
  placement: PilotPlacementLike;
  sampling: HostSamplingLike;
  puller: ImagePuller;
  /** The Reconciler: the pilots it knows, its last observation, decision and tick. */
  reconciler: {
    readonly pilots: { all(): PilotInfo[] };
    observation(): Observation;
    lastDecision(): Decision | undefined;
    lastTick(): LastTick | undefined;
  };
  metrics: DaemonMetrics;
  instances: ManagedInstances;
  remote: StatusParts["remote"];
  fleet: StatusParts["fleet"];
}

export function daemonStatus(
  identity: Omit<StatusParts["identity"], "pid">,
  nowMs: number,
  o: StatusOwners,
): StatusSnapshot {
  const effective = o.inForce.effective;
  return statusOf({
    identity: { pid: process.pid, ...identity },
    nowMs,
    config: o.inForce.config,
    configAbsent: !effective.exists,
    configWarnings: o.inForce.warnings(),
    configError: o.inForce.error,
    controlNote: o.control.note,
    docker: o.connection.state(),
    cpuPriority: o.placement.cpuPriority(),
    host: o.sampling.hostInfo?.(),
    sampleErrors: o.sampling.sampleErrors?.() ?? [],
    image: o.puller.view(),
    maxDocks: o.inForce.policy.maxDocks,
    pilots: o.reconciler.pilots.all(),
    observation: o.reconciler.observation(),
    decision: o.reconciler.lastDecision(),
    lastTick: o.reconciler.lastTick(),
    metrics: { metrics: o.metrics.stats(), prometheus: o.metrics.prometheus() },
    remote: o.remote,
    retiredInstances: o.instances.retiredInstances(),
    configSources: effective.sources,
    fleet: o.fleet,
  });
}
