// The container engine behind a small interface: the daemon codes against
// ContainerEngine and plain data; docker-engine.ts implements it with dockerode.
// This module is light on purpose (no dockerode import), so code that only needs
// the types, the errors or pilotName does not load the Docker client.

export { EngineUnavailableError, EngineTimeoutError, DockerApiError } from "./engine-errors.js";
export { pilotName, pilotHostname } from "./pilot-name.js";

import type { PilotState } from "../vocabulary.js";
export type { PilotState };

/** Everything needed to create one pilot; pilot-spec.ts maps it to Docker's create options. */
export interface PilotSpec {
  name: string;
  hostname: string;
  image: string;
  cmd: string[];
  env: string[];
  labels: Record<string, string>;
  /** From cpus_per_dock: quota = cpus * 100000, period 100000 (microseconds). */
  cpuQuota: number;
  cpuPeriod: number;
  memoryBytes: number;
  /** Docker semantics: memory + swap (not swap alone). */
  memorySwapBytes: number;
  /** "uid:gid" */
  user: string;
  /**
   * "host:container[:options]"; without "ro" or "rw" in the options, ":ro" is added (read-only by default).
   */
  binds: string[];
  devices: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[];
  capAdd: string[];
  capDrop: string[];
  /**
   * Passed as given; use securityOptsFor() (pilot-spec.ts) to drop AppArmor options on hosts without
   * AppArmor.
   */
  securityOpt: string[];
  privileged: boolean;
  /** "" means Docker's default (bridge). */
  networkMode: string;
  cgroupParent?: string;
}

export interface PilotInfo {
  id: string;
  /** Without the leading "/"; "" when the container has no name. */
  name: string;
  state: PilotState;
  /**
   * Docker's creation time (second resolution) from a listing; the local clock just before create for
   * launch().
   */
  createdAtMs: number;
  image: string;
  labels: Record<string, string>;
}

export interface ExitInfo {
  /** null while the container has not exited (created, running, paused, ...). */
  exitCode: number | null;
  oomKilled: boolean;
  startedAtMs?: number;
  finishedAtMs?: number;
  /** The container's state at inspection. */
  state: PilotState;
  /** Docker's State.Error (why a start failed), when not empty. */
  error?: string;
}

export interface EngineInfo {
  serverVersion: string;
  cgroupDriver: "cgroupfs" | "systemd" | string;
  cgroupVersion: "1" | "2" | string;
  dockerRootDir: string;
  /** From SecurityOptions ("name=apparmor"). */
  apparmor: boolean;
  /** From SecurityOptions ("name=rootless") or Podman's Rootless: true. */
  rootless: boolean;
  ncpu: number;
  memTotalBytes: number;
  /** false when the kernel cannot limit swap (MemorySwap is then ignored by Docker). */
  swapLimit: boolean;
  /** Docker's own warnings about the host (e.g. "No swap limit support"). */
  warnings: string[];
  /** Which engine answers the Docker API: Podman says so in /version's Components ("Podman Engine"). */
  engine: EngineName;
}

export type EngineName = "docker" | "podman";

export interface PilotEvent {
  id: string;
  action: "start" | "die" | "oom" | "destroy" | "pause" | "unpause" | "kill" | "create" | string;
  /** Set for "die". */
  exitCode?: number;
  timeMs: number;
  /** The container's name (without "/") when the event carries it. */
  name?: string;
}

export interface EventWatch {
  close(): void;
}

export interface ContainerEngine {
  /** Where the engine talks to Docker, e.g. "unix:///var/run/docker.sock" (for messages). */
  readonly endpoint: string;
  /** Count of Docker API requests made (for metrics and benchmarks). */
  readonly apiCalls: number;

  ping(): Promise<void>;
  info(): Promise<EngineInfo>;
  /** ONE API call (all states); label filter k=v, all must match. */
  listPilots(labels: Record<string, string>): Promise<PilotInfo[]>;
  /** Create + start; if start fails, the created container is removed and the start error thrown. */
  launch(spec: PilotSpec): Promise<PilotInfo>;
  /** Bounded concurrency; after the first failure no further launch begins (those in flight finish). */
  launchMany(specs: PilotSpec[], concurrency: number): Promise<{ launched: PilotInfo[]; error?: Error }>;
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
  /**
   * SIGKILL (a stopped or paused container is fine) then force remove; a missing container is not an error.
   */
  kill(id: string): Promise<void>;
  /** The SIGKILL part of kill() alone (the container stays, dead, for its logs and remove). */
  sigkill(id: string): Promise<void>;
  /**
   * Docker's stop: the image's stop signal (SIGTERM), SIGKILL after graceSeconds;
   * the container stays (stopped) for exitInfo and remove. A paused container is resumed
   * by Docker to get the signal. A missing container is not an error.
   */
  stop(id: string, graceSeconds: number): Promise<void>;
  /** Force remove (with its anonymous volumes); a missing container is not an error. */
  remove(id: string): Promise<void>;
  /** Inspect; undefined when the container is gone. */
  exitInfo(id: string): Promise<ExitInfo | undefined>;
  imagePresent(image: string): Promise<boolean>;
  /**
   * Always pulls (even when the tag is present), follows the progress to the end and
   * rejects on an error in the stream; registry auth from the Docker config file.
   * No timeout; opts.signal aborts it.
   */
  pull(image: string, opts?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Container events with all these labels. Reconnects with capped backoff after the
   * stream ends or fails, asking Docker for the events since the last one seen.
   * onState(true) on every (re)connection, onState(false, err) once per loss of the
   * stream (not for every failed retry). After onState(true) following a loss, list
   * the pilots again: Docker keeps few past events, none across its own restart.
   */
  watchEvents(
    labels: Record<string, string>,
    onEvent: (e: PilotEvent) => void,
    onState?: (connected: boolean, err?: Error) => void,
  ): EventWatch;
  /** Demultiplexed stdout+stderr as plain text; destroying the stream ends the request. */
  logs(id: string, opts: { follow: boolean; tail?: number }): Promise<NodeJS.ReadableStream>;
}
