// The daemon's state as served to planctonctl (status, explain) and written to metrics.
import type { FleetState } from "../../fleet/index.js";
import type { HostInfo } from "../../host/host-info.js";
import type { DaemonMode, Observation } from "../../vocabulary.js";

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
  /** The engine behind the Docker API ("docker" or "podman", from /version's Components) and its version. */
  docker: { available: boolean; since?: number; lastError?: string; version?: string; engine?: string };
  cpuPriority: { mode: "idle" | "normal"; detail: string };
  /** Static facts of the machine (systeminformation, once at start); absent until gathered. */
  host?: HostInfo;
  image: { name: string; usable: boolean; lastPullAtMs?: number; lastPullError?: string; pulling: boolean };
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
  /** Which path each give-back takes (the kernel's freezer or the engine's pause, ...). */
  giveBack?: Record<string, string>;
}

/** "Podman 4.3.1", "Docker 20.10.24"; "?" before the engine answered. */
export function engineLine(docker: StatusSnapshot["docker"]): string {
  if (!docker.engine) return "?";
  return `${docker.engine === "podman" ? "Podman" : "Docker"} ${docker.version ?? ""}`.trim();
}
