// What each planctonctl command does. Each returns the process exit code.
import { spawn } from "node:child_process";
import { closeSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigError } from "../config/errors.js";
import type { LoadedConfig } from "../config/load.js";
import { clearControl, readControl, setControl } from "../daemon/owners/control-files.js";
import { controlNote } from "../daemon/report/control-note.js";
import { procIdentity, readPidState, isSameProcess } from "../daemon/process/pidfile.js";
import { openForWriteSync } from "../daemon/process/safe-open.js";
import { queryStatus, STATUS_SOCKET } from "../daemon/report/status-server.js";
import { PACKAGE_ROOT } from "../daemon/process/version.js";
import type { StatusSnapshot } from "../daemon/report/status.js";
import { formatExplain, formatStatus } from "./format.js";
import { resume } from "./control-commands.js";
import { offlinePilots, ourPilots } from "./pilot-commands.js";
import { pathsToArgs, type ResolvedPaths } from "./paths-from-options.js";

export { drain, drainStop, resume } from "./control-commands.js";
export { history, logs } from "./pilot-commands.js";
export { report, type ReportOptions } from "./report-command.js";

// Heavy modules (schema, Docker client, the daemon) load only for the commands that
// need them, so `planctonctl status` of a running daemon starts fast.
const loadConfigFile = async (file: string): Promise<LoadedConfig> =>
  (await import("../config/load.js")).loadConfigFile(file);

const say = (s: string) => process.stdout.write(`${s}\n`);
const fail = (s: string) => process.stderr.write(`planctonctl: ${s}\n`);
const socketOf = (p: ResolvedPaths) => path.join(p.rundir, STATUS_SOCKET);

export async function nodaemon(p: ResolvedPaths): Promise<number> {
  const { runForeground } = await import("../daemon/process/run-foreground.js");
  return runForeground({
    configFile: p.configFile,
    rundir: p.rundir,
    logdir: p.logdir,
    pidfile: p.pidfile,
    stderr: process.env.PLANCTON_DETACHED !== "1",
  });
}

export async function start(p: ResolvedPaths): Promise<number> {
  const pid = await readPidState(p.pidfile);
  if (pid.state === "running") {
    say(`plancton is already running with PID ${pid.pid}`);
    return 0;
  }
  // A stale pidfile is left to the daemon: it replaces it once it holds the pidfile's lock.
  await clearLeftovers(p);
  try {
    await loadConfigFile(p.configFile);
  } catch (err) {
    if (err instanceof ConfigError) {
      fail(`invalid configuration, not starting:\n${err.message}`);
      return 2;
    }
    throw err;
  }
  const startLog = path.join(p.logdir, "start.log");
  let out: number;
  try {
    const { checkDaemonDirs } = await import("../daemon/process/run-foreground.js");
    await checkDaemonDirs(p);
    out = openForWriteSync(startLog, "truncate");
  } catch (err) {
    fail(`not starting: ${(err as Error).message}`);
    return 2;
  }
  const bin = path.join(PACKAGE_ROOT, "bin", "planctonctl");
  const child = spawn(process.execPath, [bin, ...pathsToArgs(p), "nodaemon"], {
    detached: true,
    stdio: ["ignore", out, out],
    env: { ...process.env, PLANCTON_DETACHED: "1" },
  });
  closeSync(out);
  let exited: number | null = null;
  child.on("exit", (c) => (exited = c ?? 1));
  child.unref();
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (exited !== null) {
      fail(
        `the daemon exited at start ` +
          `(code ${exited}): ${whyItDied(startLog, path.join(p.logdir, "current.log"))}`,
      );
      return exited === 2 ? 2 : 1;
    }
    const now = await readPidState(p.pidfile);
    const live =
      now.state === "running"
        ? await queryStatus<StatusSnapshot>(socketOf(p), "/status", 500).catch(() => undefined)
        : undefined;
    if (now.state === "running" && live) {
      say(`plancton started with PID ${now.pid}`);
      if (live.controlNote) say(live.controlNote);
      for (const w of [
        ...(live.configAbsent ? [`${live.configFile} absent: the defaults apply`] : []),
        ...live.configWarnings,
      ])
        say(`warning: ${w}`);
      return 0;
    }
    await sleep(100);
  }
  fail(`the daemon did not come up within 20 s; see ${startLog} and ${p.logdir}`);
  return 1;
}

function tail(file: string, n: number): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-n).join("\n");
  } catch {
    return "";
  }
}

/** The daemon's own last words (start.log), else the end of its log: never an empty excerpt. */
function whyItDied(startLog: string, daemonLog: string): string {
  const own = tail(startLog, 15);
  if (own) return `last lines of ${startLog}:\n${own}`;
  const log = tail(daemonLog, 15);
  return log
    ? `${startLog} is empty; last lines of ${daemonLog}:\n${log}`
    : `no output in ${startLog} nor ${daemonLog}: run planctonctl nodaemon to see it in the foreground`;
}

/** With no daemon, a stop or force-stop file is a leftover of one that died mid-way: it
 *  would make this start exit at once. The drain file stays (the admin's choice). */
async function clearLeftovers(p: ResolvedPaths): Promise<void> {
  const control = await readControl(p.rundir);
  for (const [name, set] of [
    ["drainStop", control.drainStop],
    ["forceStop", control.forceStop],
  ] as const) {
    if (!set) continue;
    await clearControl(p.rundir, name);
    say(
      `removed the ${name === "drainStop" ? "drain-stop" : "force-stop"} file left in ${p.rundir} ` +
        `by a daemon that is gone`,
    );
  }
}

export async function stop(p: ResolvedPaths, quiet = false): Promise<number> {
  const pid = await readPidState(p.pidfile);
  if (pid.state !== "running") {
    if (pid.state === "stale") {
      await rm(p.pidfile, { force: true });
      if (!quiet) say(`plancton is not running (removed the stale pidfile naming PID ${pid.pid})`);
    } else if (!quiet) say("plancton is not running");
    return 0;
  }
  const id = procIdentity(pid.pid);
  process.kill(pid.pid, "SIGTERM");
  if (!quiet) process.stdout.write(`stopping plancton (PID ${pid.pid})`);
  const ok = await waitExit(pid.pid, id, 60_000, !quiet);
  if (!quiet) say(ok ? " stopped; pilots keep running" : " still running after 60 s");
  return ok ? 0 : 1;
}

/** Waits until the process `id` describes is gone (its PID may meanwhile be reused). */
async function waitExit(
  pid: number,
  id: ReturnType<typeof procIdentity>,
  timeoutMs: number,
  dots: boolean,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let nextDot = Date.now() + 1000;
  while (Date.now() < deadline) {
    if (id === undefined || !isSameProcess(pid, id)) return true;
    if (dots && Date.now() >= nextDot) {
      process.stdout.write(".");
      nextDot += 1000;
    }
    await sleep(100);
  }
  return false;
}

async function liveStatus(p: ResolvedPaths): Promise<StatusSnapshot | undefined> {
  const pid = await readPidState(p.pidfile);
  if (pid.state !== "running") return undefined;
  return queryStatus<StatusSnapshot>(socketOf(p), "/status").catch(() => undefined);
}

export async function status(p: ResolvedPaths, json: boolean): Promise<number> {
  const pid = await readPidState(p.pidfile);
  const live = await liveStatus(p);
  if (live) {
    say(json ? JSON.stringify({ running: true, ...live }) : formatStatus(live));
    return 0;
  }
  // Down: answer from the pidfile, the control files and Docker.
  const control = await readControl(p.rundir);
  const note = await controlNote(p.rundir);
  const pilots = await offlinePilots(p);
  const state =
    pid.state === "stale"
      ? `not running (stale pidfile naming PID ${pid.pid})`
      : pid.state === "running"
        ? `running with PID ${pid.pid} but not answering on ${socketOf(p)}`
        : "not running";
  if (json) {
    say(
      JSON.stringify({
        running: pid.state === "running",
        state,
        pid: pid.state === "absent" ? null : pid.pid,
        control,
        controlNote: note,
        pilots,
      }),
    );
  } else {
    say(`plancton: ${state}`);
    if (note) say(`control:  ${note}`);
    for (const w of control.ignored ?? []) say(`control file ${w}`);
    say(
      typeof pilots === "string"
        ? `pilots: unknown (${pilots})`
        : `pilots: ${pilots.length} (${pilots.map((x) => `${x.name} ${x.state}`).join(", ") || "none"})`,
    );
  }
  return pid.state === "running" ? 0 : 3;
}

export async function forceStart(p: ResolvedPaths): Promise<number> {
  await resume(p);
  await clearControl(p.rundir, "forceStop");
  return start(p);
}

export async function forceStop(p: ResolvedPaths): Promise<number> {
  const pid = await readPidState(p.pidfile);
  if (pid.state === "running") {
    await setControl(p.rundir, "forceStop");
    process.stdout.write(`force-stop: killing every pilot, then stopping PID ${pid.pid}`);
    const ok = await waitExit(pid.pid, procIdentity(pid.pid), 120_000, true);
    say(ok ? " done" : " still running after 120 s");
    return ok ? 0 : 1;
  }
  // No daemon: remove the pilots ourselves.
  const { engine, pilots: list } = await ourPilots(p);
  await Promise.all(list.map((x) => engine.kill(x.id)));
  say(`plancton is not running; killed and removed ${list.length} pilot(s)`);
  return 0;
}

export async function explain(p: ResolvedPaths, json: boolean): Promise<number> {
  const live = await liveStatus(p);
  if (!live) {
    fail("plancton is not running: start it (planctonctl start) to see its observations");
    return 3;
  }
  say(
    json
      ? JSON.stringify({
          mode: live.mode,
          observation: live.observation,
          decision: live.decision,
          maxDocks: live.maxDocks,
          cpuPriority: live.cpuPriority,
        })
      : formatExplain(live),
  );
  return 0;
}

export async function configCheck(
  p: ResolvedPaths,
  file: string | undefined,
  json: boolean,
): Promise<number> {
  const { checkConfig } = await import("./config-check.js");
  return checkConfig(file ? path.resolve(file) : p.configFile, json, file !== undefined || p.configExplicit);
}
