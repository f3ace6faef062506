// `planctonctl nodaemon`: runs the daemon in this process until SIGTERM/SIGINT, or until
// it exits by itself (drain-stop, force-stop). SIGHUP re-reads the config (and the remote
// sources). Before anything else: the directories must be the daemon's own (exit 2), then
// the pidfile's lock and the instance's lock are taken for the daemon's life, so two
// daemons never run on one pidfile, nor for one instance on one host.
import path from "node:path";
import { ConfigError } from "../../config/errors.js";
import { loadConfigFile } from "../../config/load.js";
import { createDockerEngine } from "../../runtime/index.js";
import { ensureRundir } from "../owners/control-files.js";
import { Daemon } from "../daemon.js";
import { acquireLock, lockFile, type HeldLock } from "./host-lock.js";
import { instanceOf } from "../loop/labels.js";
import { createLogger, type LogFormat } from "./logger.js";
import { ensureLogdir, ensureSafeParent, UnsafeDirError } from "./own-dirs.js";
import { claimPidfile, removePidfile } from "./pidfile.js";
import { serveStatus, STATUS_SOCKET } from "../report/status-server.js";

export interface ForegroundOptions {
  configFile: string;
  rundir: string;
  logdir: string;
  pidfile: string;
  stderr: boolean;
}

const say = (s: string) => process.stderr.write(`plancton: ${s}\n`);

/** Refuses directories others could write (UnsafeDirError), before any file is opened. */
export async function checkDaemonDirs(opts: {
  rundir: string;
  logdir: string;
  pidfile: string;
}): Promise<void> {
  await ensureRundir(opts.rundir);
  await ensureLogdir(opts.logdir);
  await ensureSafeParent(opts.pidfile, "pidfile", "--pidfile");
}

/** Takes the pidfile and the instance; returns the instance lock, or the exit code and says why. */
async function claim(opts: ForegroundOptions, instance: string): Promise<HeldLock | number> {
  const owner = await claimPidfile(opts.pidfile, { rundir: opts.rundir, instance });
  if (owner !== undefined) {
    say(`already running with PID ${owner} (pidfile ${opts.pidfile})`);
    return 1;
  }
  const r = await acquireLock(lockFile(opts.rundir, "instance", instance), {
    pid: process.pid,
    rundir: opts.rundir,
    pidfile: opts.pidfile,
    instance,
  });
  if ("held" in r) return r.held;
  await removePidfile(opts.pidfile);
  const who = r.holder
    ? `PID ${r.holder.pid}, rundir ${r.holder.rundir ?? "?"} (pidfile ${r.holder.pidfile ?? "?"})`
    : "a process that does not say who it is";
  say(
    `instance "${instance}" already has a daemon on this host: ${who}; two daemons of one instance ` +
      `would fight over its pilots: stop that one, or give this one another \`instance\` in its config`,
  );
  return 1;
}

/**
 * Returns the process exit code: 0 after a clean stop, 2 for an invalid config or unsafe directories, 1
 * otherwise.
 */
export async function runForeground(opts: ForegroundOptions): Promise<number> {
  let level: string;
  let format: LogFormat;
  let instance: string;
  try {
    const { config } = await loadConfigFile(opts.configFile);
    ({ log_level: level, log_format: format } = config);
    instance = instanceOf(config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    say(`invalid configuration, not starting:\n${err.message}`);
    return 2;
  }
  try {
    await checkDaemonDirs(opts);
  } catch (err) {
    // Unsafe, or not even creatable (EACCES, a file in the way): a restart fixes neither.
    say(
      `not starting: ${err instanceof UnsafeDirError ? "" : "cannot set up its directories: "}` +
        `${(err as Error).message}`,
    );
    return 2;
  }
  const instanceLock = await claim(opts, instance);
  if (typeof instanceLock === "number") return instanceLock;
  const release = async () => {
    await removePidfile(opts.pidfile);
    await instanceLock.release();
  };
  const logger = await createLogger({ logdir: opts.logdir, stderr: opts.stderr, level, format });
  const daemon = new Daemon({
    configFile: opts.configFile,
    rundir: opts.rundir,
    logdir: opts.logdir,
    engine: createDockerEngine(),
    logger,
  });
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
  const onUnhandled = (err: unknown) =>
    logger.error(
      { err: (err as Error)?.stack },
      `unexpected error, the daemon goes on: ${(err as Error)?.message ?? String(err)}`,
    );
  process
    .on("SIGTERM", onSignal)
    .on("SIGINT", onSignal)
    .on("SIGHUP", onHup)
    .on("unhandledRejection", onUnhandled);
  const detach = () => {
    process
      .off("SIGTERM", onSignal)
      .off("SIGINT", onSignal)
      .off("SIGHUP", onHup)
      .off("unhandledRejection", onUnhandled);
  };
  let server: { close(): Promise<void> };
  try {
    await daemon.start();
    server = await serveStatus(path.join(opts.rundir, STATUS_SOCKET), daemon);
  } catch (err) {
    await daemon.stop("stopped").catch(() => undefined);
    await release();
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
  const reason = await daemon.done;
  // Said on stderr too: `planctonctl start` shows it when the daemon leaves at once.
  if (reason !== "stopped") say(`${reason}: no pilot left, exited`);
  await server.close();
  await release();
  detach();
  logger.flush();
  return 0;
}
