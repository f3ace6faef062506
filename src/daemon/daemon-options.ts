// What a Daemon is built from: its files, its engine, its logger, and for tests a clock
// and doubles of the host.
import type { ContainerEngine } from "../runtime/index.js";
import type { HostSamplingLike } from "./owners/host-sampling.js";
import type { PilotPlacementLike } from "./owners/pilot-placement.js";
import type { Logger } from "./process/logger.js";

export interface DaemonOptions {
  configFile: string;
  rundir: string;
  logdir: string;
  engine: ContainerEngine;
  logger: Logger;
  clock?: () => number;
  hostname?: string;
  /** Replaces the host sampling (tests: observations set by the test). */
  sampling?: HostSamplingLike;
  /** Replaces the pilots' placement (tests: no cgroup parent, normal priority). */
  placement?: PilotPlacementLike;
  /** A test double of the whole host: both of the above. */
  observer?: HostObserverLike;
}

/** A test double of the whole host (FixedObserver): samples and places pilots. */
export type HostObserverLike = HostSamplingLike & PilotPlacementLike;

export type ExitReason = "stopped" | "drain-stop" | "force-stop";
