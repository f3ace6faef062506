// `planctonctl nodaemon`: runs the daemon in this process until SIGTERM/SIGINT, or until
// it exits by itself (drain-stop, force-stop). SIGHUP re-reads the config.
import path from "node:path";
import { ConfigError } from "../config/errors.js";
import { createDockerEngine } from "../runtime/index.js";
import { Daemon } from "./daemon.js";
import { createLogger } from "./logger.js";
import { readPidState, removePidfile, writePidfile } from "./pidfile.js";
import { serveStatus } from "./status-server.js";
import { ensureRundir } from "./control-files.js";
import { loadConfigFile } from "../config/load.js";

export interface ForegroundOptions { configFile: string; rundir: string; logdir: string; pidfile: string; stderr: boolean }

export const STATUS_SOCKET = "plancton.sock";

/** Returns the process exit code: 0 after a clean stop, 2 for an invalid config, 1 otherwise. */
export async function runForeground(opts: ForegroundOptions): Promise<number> {
  let level = "info";
  try {
    level = (await loadConfigFile(opts.configFile)).config.log_level;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`plancton: invalid configuration, not starting:\n${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const pid = await readPidState(opts.pidfile);
  if (pid.state === "running" && pid.pid !== process.pid) {
    process.stderr.write(`plancton: already running with PID ${pid.pid} (pidfile ${opts.pidfile})\n`);
    return 1;
  }
  const logger = await createLogger({ logdir: opts.logdir, stderr: opts.stderr, level });
  const daemon = new Daemon({ configFile: opts.configFile, rundir: opts.rundir, logdir: opts.logdir, engine: createDockerEngine(), logger });
  try {
    await daemon.start();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`plancton: invalid configuration, not starting:\n${err.message}\n`);
      return 2;
    }
    throw err;
  }
  await ensureRundir(opts.rundir);
  const server = await serveStatus(path.join(opts.rundir, STATUS_SOCKET), daemon);
  await writePidfile(opts.pidfile);
  const onSignal = (sig: NodeJS.Signals) => {
    logger.info(`${sig} received: stopping (pilots keep running)`);
    void daemon.stop("stopped");
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  process.on("SIGHUP", () => {
    logger.info("SIGHUP received: re-reading the configuration");
    void daemon.reloadConfig();
  });
  const reason = await daemon.done;
  await server.close();
  await removePidfile(opts.pidfile);
  process.off("SIGTERM", onSignal);
  process.off("SIGINT", onSignal);
  logger.flush();
  return reason === "stopped" || reason === "drain-stop" || reason === "force-stop" ? 0 : 1;
}
