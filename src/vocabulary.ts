// The words every room shares, declared once. Types only (no code), so any room may
// import this file without breaking the import rules of docs/ARCHITECTURE.md.

/** One observation of the host: named numbers (CPU as fractions of the machine, bytes,
 *  counts). `sampled_at_ms` says when it was taken; decide() acts on nothing older twice. */
export type Observation = Readonly<Record<string, number>>;

/** A pilot's state as the engine reports it. */
export type PilotState = "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";

/** The control files in force (drain, stop, force-stop), as decide() reads them. */
export interface Control {
  readonly draining: boolean;
  readonly drainStop: boolean;
  readonly forceStop: boolean;
}

/** What decide() says the daemon is doing (status "mode", metrics "status"). */
export type PolicyMode =
  | "active"
  | "draining"
  | "drain-stop"
  | "force-stop"
  | "outside-schedule"
  | "no-image"
  | "grace-spawn"
  | "pressure"
  | "crash-loop";

/** The daemon's mode: the policy's, or waiting for the engine (no decision is made then). */
export type DaemonMode = PolicyMode | "waiting-for-docker";
