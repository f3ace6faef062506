// A real Daemon in this process, on the real Docker engine, in a temp directory, with a
// config written from an object. The observer is the real HostObserver unless one is given.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { dump } from "js-yaml";
import pino from "pino";
import { Daemon, type HostObserverLike } from "../../src/daemon/daemon.js";
import { createDockerEngine, type ContainerEngine } from "../../src/runtime/index.js";
import { IMAGE } from "./docker.js";

export interface BenchDaemon {
  daemon: Daemon;
  readonly engine: ContainerEngine;
  readonly dir: string;
  readonly rundir: string;
  readonly configFile: string;
  readonly instance: string;
  /** The last log lines (pino JSON). */
  readonly logs: string[];
  /** Writes the config file (the running daemon picks it up through its watcher). */
  writeConfig(config: Record<string, unknown>): Promise<void>;
  /** Stops the daemon (pilots stay) and removes the temp dir. */
  close(): Promise<void>;
  /** Log messages matching re. */
  logged(re: RegExp): string[];
}

/** The config file text: the bench image and instance first, then `config`. */
export function configText(instance: string, config: Record<string, unknown>): string {
  return dump(
    { docker_image: IMAGE, container_prefix: instance, log_level: "info", ...config },
    { lineWidth: 200 },
  );
}

export async function startBenchDaemon(
  instance: string,
  config: Record<string, unknown>,
  opts: { observer?: HostObserverLike; engine?: ContainerEngine; drain?: boolean } = {},
): Promise<BenchDaemon> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `plancton-bench-${instance}-`));
  const configFile = path.join(dir, "config.yaml");
  const rundir = path.join(dir, "run");
  await writeFile(configFile, configText(instance, config));
  if (opts.drain) {
    await mkdir(rundir, { recursive: true, mode: 0o700 });
    await writeFile(path.join(rundir, "drain"), "");
  }
  const logs: string[] = [];
  const logger = pino(
    { level: "info" },
    {
      write: (line: string) => {
        logs.push(line);
        if (logs.length > 2000) logs.splice(0, 1000);
      },
    },
  );
  const engine = opts.engine ?? createDockerEngine();
  const daemon = new Daemon({
    configFile,
    rundir,
    logdir: path.join(dir, "log"),
    engine,
    logger,
    observer: opts.observer,
  });
  await daemon.start();
  let closed = false;
  return {
    daemon,
    engine,
    dir,
    rundir,
    configFile,
    instance,
    logs,
    writeConfig: (c) => writeFile(configFile, configText(instance, c)),
    close: async () => {
      if (closed) return;
      closed = true;
      await daemon.stop().catch(() => undefined);
      // A pilot's kept log may land while the tree goes (ENOTEMPTY): retry, as the test harness does.
      await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
    logged: (re) => logs.map((l) => (JSON.parse(l) as { msg?: string }).msg ?? "").filter((m) => re.test(m)),
  };
}
