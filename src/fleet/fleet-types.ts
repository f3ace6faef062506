// The fleet's vocabulary: what a host publishes, the commands an admin sends, and the
// small interface the daemon gives the fleet agent (the agent knows nothing else of it).

/** A host's status key (JSON, at most STATUS_MAX_BYTES). CPU as a fraction of the machine. */
export interface HostStatus {
  name: string;
  version: string;
  /** Container engine and version, e.g. "docker 24.0.5"; null while it does not answer. */
  engine: string | null;
  /** The daemon's mode: active, draining, waiting-for-docker, ... */
  mode: string;
  running: number;
  paused: number;
  max: number;
  ncpus: number;
  ownerCpu: number | null;
  pilotCpu: number | null;
  /** Pilot CPU priority: idle or normal. */
  priority: string;
  /** Where the config comes from: local, url, git. */
  config: string;
  lastTickAtMs: number | null;
  /** Core-hours its pilots used in the last 24 h (absent from older daemons). */
  coreHours24h?: number | null;
  /** When this record was written (the writer's clock). */
  atMs: number;
  /** The fleet command in force on the host, as it applied it. */
  command?: { action: FleetAction; revision: string };
}

/** What the daemon reports; the agent adds name, atMs and command. */
export type HostReport = Omit<HostStatus, "name" | "atMs" | "command">;

export type FleetAction = "drain" | "resume";

export interface FleetCommand {
  action: FleetAction;
  reason: string;
  who: string;
  atMs: number;
  /** etcd's mod revision of the command key: the newest of a host's and the all-hosts command wins. */
  revision: string;
}

/** The daemon's side of the fleet: its status, and how it obeys a command. */
export interface FleetHost {
  report(): HostReport;
  /** Makes the command the host's state (drain: the drain control file); must not throw. */
  apply(command: FleetCommand): Promise<void>;
  /** The command applied last (kept across restarts), if any. */
  lastApplied(): Promise<FleetCommand | undefined>;
  log: { info(msg: string): void; warn(msg: string): void };
}

/** The agent's own state, for planctonctl status. */
export interface FleetState {
  name: string;
  connected: boolean;
  unreachableSinceMs?: number;
  lastError?: string;
  command?: FleetCommand;
  /** Status puts made. */
  writes: number;
  /** Lease renewal calls made (each a request to etcd). */
  renewals?: number;
  /** Leases granted (1 unless the lease was lost). */
  registrations?: number;
}

export const STATUS_MAX_BYTES = 1024;
