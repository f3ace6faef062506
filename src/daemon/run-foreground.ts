// `planctonctl nodaemon`: runs the daemon in this process until SIGTERM/SIGINT, or until
// it exits by itself (drain-stop, force-stop). SIGHUP re-reads the config (and the remote
// sources). The pidfile is claimed first, so two daemons never run on one rundir.
import path from "node:path";
import { ConfigError } from "../config/errors.js";
import { loadConfigFile } from "../config/load.js";
import { createDockerEngine } from "../runtime/index.js";
import { ensureRundir } from "./control-files.js";
import { Daemon } from "./daemon.js";
import { createLogger, type LogFormat } from "./logger.js";
import { claimPidfile, removePidfile } from "./pidfile.js";
import { serveStatus, STATUS_SOCKET } from "./status-server.js";

export interface ForegroundOptions { configFile: string; rundir: string; logdir: string; pidfile: string; stderr: boolean }


const say = (s: string) => process.stderr.write(`plancton: ${s}\n`);

/** Returns the process exit code: 0 after a clean stop, 2 for an invalid config, 1 otherwise. */
export async function runForeground(opts: ForegroundOptions): Promise<number> {
  let level: string;
  let format: LogFormat;
  try {
    ({ log_level: level, log_format: format } = (await loadConfigFile(opts.configFile)).config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    say(`invalid configuration, not starting:\n${err.message}`);
    return 2;
  }
  const owner = await claimPidfile(opts.pidfile);
  if (owner !== undefined) {
    say(`already running with PID ${owner} (pidfile ${opts.pidfile})`);
    return 1;
  }
  const logger = await createLogger({ logdir: opts.logdir, stderr: opts.stderr, level, format });
  const daemon = new Daemon({ configFile: opts.configFile, rundir: opts.rundir, logdir: opts.logdir, engine: createDockerEngine(), logger });
  // Signals are handled from the start: a stop asked during start-up waits for it.
  let started = false;
  let stopAsked = false;
  const onSignal = (sig: NodeJS.Signals) => {
    logger.info(`${sig} received: stopping (pilots keep running)`);
    stopAsked = true;
    if (started) void daemon.stop("stopped");
  };
  const onHup = () => {
    logger.info("SIGHUP received: re-reading the configuration");
    if (started) void daemon.reloadConfig();
  };
  const onUnhandled = (err: unknown) => logger.error({ err: (err as Error)?.stack }, `unexpected error, the daemon goes on: ${(err as Error)?.message ?? String(err)}`);
  process.on("SIGTERM", onSignal).on("SIGINT", onSignal).on("SIGHUP", onHup).on("unhandledRejection", onUnhandled);
  const detach = () => {
    process.off("SIGTERM", onSignal).off("SIGINT", onSignal).off("SIGHUP", onHup).off("unhandledRejection", onUnhandled);
  };
  let server: { close(): Promise<void> };
  try {
    await daemon.start();
    await ensureRundir(opts.rundir);
    server = await serveStatus(path.join(opts.rundir, STATUS_SOCKET), daemon);
  } catch (err) {
    await daemon.stop("stopped").catch(() => undefined);
    await removePidfile(opts.pidfile);
    detach();
    if (err instanceof ConfigError) {
      say(`invalid configuration, not starting:\n${err.message}`);
      return 2;
    }
    say(`could not start: ${(err as Error).message}`);
    return 1;
  }
  started = true;
  if (stopAsked) void daemon.stop("stopped");
  await daemon.done;
  await server.close();
  await removePidfile(opts.pidfile);
  detach();
  logger.flush();
  return 0;
}
