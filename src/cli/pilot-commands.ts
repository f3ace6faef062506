// planctonctl's commands about pilots: the instance's pilots straight from Docker, a
// pilot's output (running, or the tail kept when it ended), the finished ones' history.
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { LoadedConfig } from "../config/load.js";
import { parseDurationSeconds } from "../config/units.js";
import type { PilotRecord } from "../daemon/report/history.js";
import { HistoryLog } from "../daemon/report/history.js";
import { instanceLabels, instanceOf } from "../daemon/loop/labels.js";
import { readPidState } from "../daemon/process/pidfile.js";
import { readPilotLog } from "../daemon/report/pilot-logs.js";
import { queryStatus, STATUS_SOCKET } from "../daemon/report/status-server.js";
import type { ContainerEngine, PilotInfo } from "../runtime/index.js";
import { formatHistory } from "./format.js";
import type { ResolvedPaths } from "./paths-from-options.js";

const loadConfigFile = async (file: string): Promise<LoadedConfig> =>
  (await import("../config/load.js")).loadConfigFile(file);
const createDockerEngine = async (opts?: { timeoutMs?: number }): Promise<ContainerEngine> =>
  (await import("../runtime/index.js")).createDockerEngine(opts);

const say = (s: string) => process.stdout.write(`${s}\n`);
const fail = (s: string) => process.stderr.write(`planctonctl: ${s}\n`);
const socketOf = (p: ResolvedPaths) => path.join(p.rundir, STATUS_SOCKET);

/** The pilots of this config's instance, straight from Docker (the daemon may be down). */
export async function ourPilots(
  p: ResolvedPaths,
  timeoutMs?: number,
): Promise<{ engine: ContainerEngine; pilots: PilotInfo[] }> {
  const { config } = await loadConfigFile(p.configFile);
  const engine = await createDockerEngine(timeoutMs === undefined ? undefined : { timeoutMs });
  return { engine, pilots: await engine.listPilots(instanceLabels(instanceOf(config))) };
}

export async function offlinePilots(
  p: ResolvedPaths,
): Promise<{ id: string; name: string; state: string }[] | string> {
  try {
    const { pilots } = await ourPilots(p, 3000);
    return pilots.map((x) => ({ id: x.id.slice(0, 12), name: x.name, state: x.state }));
  } catch (err) {
    return (err as Error).message;
  }
}

export async function logs(
  p: ResolvedPaths,
  pilot: string,
  follow: boolean,
  tailN?: string,
): Promise<number> {
  const tail = tailN === undefined ? undefined : Number.parseInt(tailN, 10);
  if (tailN !== undefined && (!Number.isInteger(tail) || (tail as number) < 0)) {
    fail(`--tail "${tailN}" is not a number of lines`);
    return 2;
  }
  const { engine, pilots: list } = await ourPilots(p);
  const match = list.filter((x) => x.name === pilot || x.id.startsWith(pilot));
  if (match.length > 1) {
    fail(`"${pilot}" matches ${match.length} pilots: give more of the id`);
    return 1;
  }
  if (match.length === 0) {
    // A finished pilot: the tail the daemon kept when it removed it.
    const kept = await readPilotLog(p.logdir, pilot);
    if (kept === undefined) {
      fail(
        `no pilot named or with id "${pilot}", running or kept in ${path.join(p.logdir, "pilots")} ` +
          `(see planctonctl history)`,
      );
      return 1;
    }
    const lines = kept.split("\n");
    process.stdout.write(
      tail === undefined ? kept : lines.slice(-(tail + (kept.endsWith("\n") ? 1 : 0))).join("\n"),
    );
    return 0;
  }
  const stream = await engine.logs(match[0]!.id, { follow, tail });
  try {
    await pipeline(stream, process.stdout, { end: false });
  } catch (err) {
    fail(`logs of ${match[0]!.name}: ${(err as Error).message}`);
    return 1;
  }
  return 0;
}

export async function history(p: ResolvedPaths, since: string, json: boolean): Promise<number> {
  const seconds = parseDurationSeconds(since);
  if (seconds === undefined) {
    fail(`--since "${since}" is not a duration (e.g. 30m, 12h, 1d)`);
    return 2;
  }
  const sinceMs = Date.now() - seconds * 1000;
  const live = await readPidState(p.pidfile);
  const records =
    live.state === "running"
      ? await queryStatus<PilotRecord[]>(socketOf(p), `/history?since=${sinceMs}`).catch(() =>
          new HistoryLog(p.logdir).read(sinceMs),
        )
      : await new HistoryLog(p.logdir).read(sinceMs);
  say(json ? JSON.stringify(records) : formatHistory(records));
  return 0;
}
