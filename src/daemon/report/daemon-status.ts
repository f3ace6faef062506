// The daemon's status snapshot gathered from the owner of each fact at the moment it is
// asked (status-view.ts shapes it); the daemon hands its owners over, nothing is kept.
import type { Decision } from "../../policy/policy-types.js";
import type { PilotInfo } from "../../runtime/index.js";
import type { Observation } from "../../vocabulary.js";
import type { DaemonOwners } from "../owners/daemon-owners.js";
import type { LastTick, StatusSnapshot } from "./status.js";
import { statusOf, type StatusParts } from "./status-view.js";
import { diskFaults } from "../process/disk-faults.js";

/** The Reconciler: the pilots it knows, its last observation, decision and tick. */
export interface TickView {
  readonly pilots: { all(): PilotInfo[] };
  observation(): Observation;
  lastDecision(): Decision | undefined;
  lastTick(): LastTick | undefined;
}

export function daemonStatus(
  identity: Omit<StatusParts["identity"], "pid">,
  nowMs: number,
  o: DaemonOwners,
  tick: TickView,
): StatusSnapshot {
  const effective = o.inForce.effective;
  const status = statusOf({
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
    pilots: tick.pilots.all(),
    observation: tick.observation(),
    decision: tick.lastDecision(),
    lastTick: tick.lastTick(),
    metrics: { metrics: o.metrics.stats(), prometheus: o.metrics.prometheus() },
    remote: o.configStore.status(),
    retiredInstances: o.instances.retiredInstances(),
    configSources: effective.sources,
    fleet: o.fleet.state(),
    diskFaults: diskFaults.notes(),
    giveBack: o.giveBack.inForce(o.inForce.config),
  });
  return { ...status, coreHours24h: o.accounting.coreHours24h() };
}
