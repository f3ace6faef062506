// Runs a real Daemon in-process against the real Docker engine, in a temp directory,
// with a unique instance so tests never see each other's pilots.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { Daemon } from "../../src/daemon/daemon.js";
import { createDockerEngine, type ContainerEngine } from "../../src/runtime/index.js";
import type { HostObserverLike } from "../../src/daemon/daemon.js";
import type { HostSamplingLike } from "../../src/daemon/owners/host-sampling.js";
import { removeInstance, TEST_IMAGE, uniquePrefix } from "./docker.js";

export interface Harness {
  daemon: Daemon;
  dir: string;
  rundir: string;
  logdir: string;
  configFile: string;
  instance: string;
  logs: string[];
  /** Stops the daemon (pilots keep running). */
  stopDaemon(): Promise<void>;
  /** Stops the daemon and removes every container of the instance and the temp dir. */
  cleanup(): Promise<void>;
  restart(opts?: { engine?: ContainerEngine; observer?: HostObserverLike }): Promise<Daemon>;
}

export async function startDaemon(
  name: string,
  configText: string,
  opts: {
    engine?: ContainerEngine;
    observer?: HostObserverLike;
    /** Sampling only (the placement, its cgroups and its meter stay real). */
    sampling?: HostSamplingLike;
    start?: boolean;
  } = {},
): Promise<Harness> {
  const instance = uniquePrefix(name);
  const dir = await mkdtemp(path.join(os.tmpdir(), `plancton-${name}-`));
  const configFile = path.join(dir, "config.yaml");
  await writeFile(
    configFile,
    `docker_image: ${TEST_IMAGE}\ncontainer_prefix: ${instance}\npilot_cpu_priority: normal\nmax_dock_mem: 32MiB\n${configText}`,
  );
  const logs: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logs.push(line) });
  const make = (o: { engine?: ContainerEngine; observer?: HostObserverLike }) =>
    new Daemon({
      configFile,
      rundir: path.join(dir, "run"),
      logdir: path.join(dir, "log"),
      engine: o.engine ?? createDockerEngine(),
      logger,
      observer: o.observer,
      sampling: opts.sampling,
    });
  const h: Harness = {
    daemon: make(opts),
    dir,
    rundir: path.join(dir, "run"),
    logdir: path.join(dir, "log"),
    configFile,
    instance,
    logs,
    stopDaemon: () => h.daemon.stop(),
    cleanup: async () => {
      await h.daemon.stop().catch(() => undefined);
      await removeInstance(instance);
      // A pilot's log kept at its removal may still land in log/ meanwhile: rm retries ENOTEMPTY.
      await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
    restart: async (o = {}) => {
      await h.daemon.stop();
      h.daemon = make({ engine: o.engine, observer: o.observer ?? opts.observer });
      await h.daemon.start();
      return h.daemon;
    },
  };
  if (opts.start !== false) await h.daemon.start();
  return h;
}

/** Log lines (pino JSON) whose msg matches. */
export function logged(h: Harness, re: RegExp): string[] {
  return h.logs.map((l) => (JSON.parse(l) as { msg?: string }).msg ?? "").filter((m) => re.test(m));
}
