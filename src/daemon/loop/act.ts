// Carries out a policy decision on the container engine, recording what happened; it
// decides nothing (each kill carries its signal and grace). Order: the give-back first
// (SIGKILLs and pauses together, at full weight), then what does not hurry: saving the
// victims' logs and removing them, the graceful stops (in the background), removals,
// resumes, the pull, the launches. The exit is the tick's answer to the daemon. Every action is attempted
// independently: one failure is logged and the rest go on, except launches, which stop
// at the first failure (as the original did).
import type { Decision } from "../../policy/policy-types.js";
import type { ContainerEngine, PilotInfo, PilotSpec } from "../../runtime/engine.js";
import type { GracefulStops } from "../owners/graceful-stops.js";
import type { ActResult } from "../report/act-result.js";
import type { PilotRecord } from "../report/history.js";
import type { Logger } from "../process/logger.js";
import { recordOf } from "../report/pilot-record.js";

export type { ActResult };

export interface ActDeps {
  engine: ContainerEngine;
  logger: Logger;
  now: () => number;
  specFor: () => PilotSpec;
  launchConcurrency: number;
  onFinished: (record: PilotRecord) => void;
  /** Saves a pilot's output before it is removed (its errors are ignored). */
  keepLog: (id: string, name: string) => Promise<void>;
  /** Runs the urgent part (kills, pauses) with the pilots able to run: they freeze and die at once. */
  urgent: <T>(fn: () => Promise<T>) => Promise<T>;
  onEvent: (
    event: "started" | "paused" | "resumed",
    pilot: { id: string; name: string },
    reason: string,
  ) => void;
  /** Graceful stops in flight, across decisions (their owner asks for a tick when one ends). */
  stops: GracefulStops;
  /** decision.pull: start the pull (in the background). */
  pull: () => void;
  /** Reads the CPU counters of the pilots about to end, before any signal (accounting). */
  beforeEnd: (ids: readonly string[]) => void;
}

type Action = Decision["kill"][number] | Decision["remove"][number];
type Kill = Decision["kill"][number];

export async function act(
  decision: Decision,
  pilots: ReadonlyMap<string, PilotInfo>,
  allowStart: boolean,
  deps: ActDeps,
): Promise<ActResult> {
  const { engine, logger } = deps;
  const result: ActResult = { started: [], killed: 0, paused: 0, resumed: 0, removed: 0 };
  const { stops, urgent } = deps;
  const nameOf = (id: string) => pilots.get(id)?.name ?? id;

  /** Saves the log, removes the container, records the end. */
  const finish = async (
    a: Action,
    how: "remove" | "kill",
    signal?: "KILL",
    stopAtMs?: number,
  ): Promise<boolean> => {
    const pilot = pilots.get(a.id);
    const exit =
      how === "remove" || stopAtMs !== undefined
        ? await engine.exitInfo(a.id).catch(() => undefined)
        : undefined;
    await deps.keepLog(a.id, pilot?.name ?? "").catch(() => undefined);
    try {
      await (how === "remove" ? engine.remove(a.id) : engine.kill(a.id));
    } catch (err) {
      logger.warn(
        { id: a.id, reason: a.reason, err: (err as Error).message },
        `could not ${how} pilot ${nameOf(a.id)}`,
      );
      return false;
    }
    const grace = "graceSeconds" in a ? a.graceSeconds : 0;
    const record = recordOf(a, pilot, exit, deps.now(), signal, stopAtMs, grace);
    const done = how === "remove" ? "removed" : record.signal === "TERM" ? "stopped" : "killed";
    const sig = record.signal ? `, SIG${record.signal}` : "";
    logger.info(
      {
        pilot: record.name,
        id: a.id.slice(0, 12),
        reason: a.reason,
        exitCode: record.exitCode,
        uptime: record.uptimeSeconds,
        signal: record.signal,
      },
      `${done} pilot ${record.name} (${a.reason}${sig})${how === "remove" && a.why ? `: ${a.why}` : ""}`,
    );
    deps.onFinished(record);
    return true;
  };

  /** SIGTERM, SIGKILL after stop_grace, then finish; in the background (it may take stop_grace). */
  const stopGracefully = async (a: Kill): Promise<void> => {
    const stopAtMs = deps.now();
    try {
      await engine.stop(a.id, a.graceSeconds);
    } catch (err) {
      logger.warn(
        { id: a.id, reason: a.reason, err: (err as Error).message },
        `could not stop pilot ${nameOf(a.id)} gracefully; killing it`,
      );
    }
    if (stops.escalated(a.id)) return; // a give-back killed it meanwhile
    await finish(a, "kill", undefined, stopAtMs);
  };

  const freeze = (actions: Decision["pause"] | Decision["unpause"], verb: "pause" | "unpause") =>
    Promise.all(
      actions.map(async (a) => {
        const done = verb === "pause" ? "paused" : "resumed";
        try {
          await (verb === "pause" ? engine.pause(a.id) : engine.unpause(a.id));
          result[done]++;
          logger.info({ pilot: a.name, reason: a.reason }, `${done} pilot ${a.name} (${a.reason})`);
          deps.onEvent(done, a, a.reason);
        } catch (err) {
          logger.warn({ pilot: a.name, err: (err as Error).message }, `could not ${verb} pilot ${a.name}`);
        }
      }),
    );

  // The last CPU reading of pilots that end now (a few small file reads, no engine call). A
  // SIGTERM'd pilot runs on through stop_grace and its cgroup goes with it: its record keeps
  // the last sample's reading and says so ("last_sample"), never a "final" that misses the grace.
  const endingNow = [...decision.kill.filter((k) => k.signal === "KILL"), ...decision.remove];
  const ending = endingNow.map((a) => a.id).filter((id) => !stops.has(id));
  if (ending.length > 0) deps.beforeEnd(ending);
  // 1. The give-back: SIGKILLs and pauses go out together, before anything else.
  const now = decision.kill.filter((a) => a.signal === "KILL");
  for (const a of now) stops.escalate(a.id);
  const signalled: Kill[] = [];
  if (now.length + decision.pause.length > 0) {
    await urgent(() =>
      Promise.all([
        ...now.map(async (a) => {
          try {
            await engine.sigkill(a.id);
          } catch (err) {
            logger.warn(
              { id: a.id, reason: a.reason, err: (err as Error).message },
              `could not SIGKILL pilot ${nameOf(a.id)}; removing it`,
            );
          }
          signalled.push(a);
        }),
        freeze(decision.pause, "pause"),
      ]),
    );
  }
  // 2. Off the give-back path: the killed pilots' logs, then their removal.
  result.killed += (await Promise.all(signalled.map((a) => finish(a, "kill", "KILL")))).filter(
    Boolean,
  ).length;
  for (const a of decision.kill.filter((k) => k.signal === "TERM" && !stops.has(k.id))) {
    stops.begin(a.id);
    void stopGracefully(a).finally(() => stops.end(a.id));
  }
  for (const a of decision.remove) if (await finish(a, "remove")) result.removed++;
  await freeze(decision.unpause, "unpause");
  if (decision.pull) deps.pull();
  if (allowStart && decision.start > 0) {
    const specs = Array.from({ length: decision.start }, () => deps.specFor());
    // At full weight too: a container's init starved under the idle parent on a busy host
    // can take longer than Docker's answer timeout to start.
    const { launched, error } = await urgent(() => engine.launchMany(specs, deps.launchConcurrency));
    result.started = launched;
    for (const p of launched) {
      logger.info({ pilot: p.name, id: p.id.slice(0, 12) }, `started pilot ${p.name}`);
      deps.onEvent("started", p, "spawn");
    }
    if (error) {
      result.launchError = error.message;
      logger.error(
        { err: error.message },
        `launch failed after ${launched.length} of ${specs.length} pilots: ${error.message}`,
      );
    }
  }
  return result;
}
