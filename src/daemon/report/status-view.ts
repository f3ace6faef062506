// The status snapshot (planctonctl status/explain, the fleet record), read from the owner
// of each fact at the moment it is asked: nothing here is remembered.
import type { Config } from "../../config/schema.js";
import type { FleetState } from "../../fleet/index.js";
import type { SampleError } from "../../host/index.js";
import type { Decision } from "../../policy/policy-types.js";
import type { PilotInfo } from "../../runtime/index.js";
import type { DaemonMode, Observation } from "../../vocabulary.js";
import type { EngineState } from "../owners/engine-connection.js";
import type { ImageView } from "../owners/image-puller.js";
import type { CpuPriority } from "../owners/pilot-placement.js";
import type { LastTick, StatusSnapshot } from "./status.js";

export interface StatusParts {
  identity: Pick<StatusSnapshot, "pid" | "version" | "hostname" | "instance" | "startedAtMs" | "configFile">;
  nowMs: number;
  config: Config;
  configAbsent: boolean;
  configWarnings: string[];
  configError?: string;
  controlNote?: string;
  docker: EngineState;
  cpuPriority: CpuPriority;
  host: StatusSnapshot["host"];
  sampleErrors: readonly SampleError[];
  image: ImageView;
  maxDocks: number;
  pilots: readonly PilotInfo[];
  observation: Observation;
  decision?: Decision;
  lastTick?: LastTick;
  metrics: Pick<StatusSnapshot, "metrics" | "prometheus">;
  remote?: Record<string, unknown>;
  retiredInstances: string[];
  configSources?: Record<string, string>;
  fleet?: FleetState;
  diskFaults?: string[];
  giveBack?: Record<string, string>;
}

export function statusOf(p: StatusParts): StatusSnapshot {
  const now = p.nowMs;
  const mode: DaemonMode = p.docker.available ? (p.decision?.mode ?? "active") : "waiting-for-docker";
  const samplerWarnings = p.sampleErrors.map((e) =>
    e.absent === true
      ? `host sampling: ${e.source} missing (${e.message}); its variables are absent`
      : `host sampling: ${e.source} reader failing (${e.message}); its variables keep the last value read`,
  );
  return {
    ...p.identity,
    nowMs: now,
    configAbsent: p.configAbsent,
    configWarnings: [...p.configWarnings, ...samplerWarnings],
    configError: p.configError,
    mode,
    controlNote: p.controlNote,
    docker: p.docker,
    cpuPriority: p.cpuPriority,
    host: p.host,
    image: p.image,
    maxDocks: p.maxDocks,
    pilots: p.pilots.map((x) => ({
      id: x.id.slice(0, 12),
      name: x.name,
      state: x.state,
      image: x.image,
      uptimeSeconds: Math.max(0, Math.round((now - x.createdAtMs) / 1000)),
      ttlLeftSeconds:
        p.config.max_ttl > 0
          ? Math.max(0, Math.round(p.config.max_ttl - (now - x.createdAtMs) / 1000))
          : null,
    })),
    observation: p.observation,
    decision: { start: p.decision?.start ?? 0, explain: p.decision?.explain ?? [] },
    lastTick: p.lastTick,
    ...p.metrics,
    remote: p.remote,
    retiredInstances: p.retiredInstances,
    configSources: p.configSources,
    fleet: p.fleet,
    diskFaults: p.diskFaults,
    giveBack: p.giveBack,
  };
}
