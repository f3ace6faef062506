// The daemon's state as served to planctonctl (status, explain) and written to metrics.
import type { FleetState } from "../../fleet/index.js";
import type { HostInfo } from "../../host/host-info.js";
import type { DaemonMode, Observation } from "../../vocabulary.js";
import type { EngineState } from "../owners/engine-connection.js";
import type { ImageView } from "../owners/image-puller.js";
import type { CpuPriority } from "../owners/pilot-placement.js";

/** "Podman 4.3.1", "Docker 20.10.24"; "?" before the engine answered. (Here, not beside the
 * engine's link: planctonctl formats status without loading the Docker client.) */
export function engineLine(docker: EngineState): string {
  if (!docker.engine) return "?";
  return `${docker.engine === "podman" ? "Podman" : "Docker"} ${docker.version ?? ""}`.trim();
}

export interface PilotRow {
  id: string;
  name: string;
  state: string;
  uptimeSeconds: number;
  ttlLeftSeconds: number | null;
  image: string;
}

export interface StatusSnapshot {
  pid: number;
  version: string;
  hostname: string;
  instance: string;
  startedAtMs: number;
  nowMs: number;
  configFile: string;
  /** The config file does not exist: the defaults are in force. */
  configAbsent?: boolean;
  configWarnings: string[];
  configError?: string;
  mode: DaemonMode;
  /** The control file in force, with since when and how to end it. */
  controlNote?: string;
  /** Whether the engine answers, which one ("docker" or "podman") and its version. */
  docker: EngineState;
  cpuPriority: CpuPriority;
  /** Static facts of the machine (systeminformation, once at start); absent until gathered. */
  host?: HostInfo;
  image: ImageView;
  maxDocks: number;
  pilots: PilotRow[];
  observation: Observation;
  decision: { start: number; explain: readonly string[] };
  lastTick?: { atMs: number; durationMs: number; apiCalls: number; cause: string };
  metrics: { target: string; buffered: number; delivered: number; dropped: number; lastError?: string }[];
  /** The Prometheus endpoint (metrics_listen), when set. */
  prometheus?: { listen: string; url?: string; error?: string };
  remote?: Record<string, unknown>;
  /** Earlier instances of this run whose pilots are still managed (after a change of instance). */
  retiredInstances?: string[];
  configSources?: Record<string, string>;
  /** With a `fleet` key: the agent's link to etcd and the fleet command in force. */
  fleet?: FleetState;
  /** Core-hours the pilots used in the last 24 h (their cgroups' counters). */
  coreHours24h?: number;
  /** Writes the disk refused, one line per area: "log disk full since T: N lines dropped". */
  diskFaults?: string[];
  /** Which path each give-back takes (the kernel's freezer or the engine's pause, ...). */
  giveBack?: Record<string, string>;
}

/** When the last tick ran, how long it took, its engine calls, and what triggered it. */
export type LastTick = NonNullable<StatusSnapshot["lastTick"]>;
