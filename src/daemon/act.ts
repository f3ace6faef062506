// Carries out a policy decision on the container engine, recording what happened.
// Every action is attempted independently: one failure is logged and the rest go on,
// except launches, which stop at the first failure (as the original did).
import type { Decision, KillReason } from "../policy/types.js";
import type { ContainerEngine, PilotInfo, PilotSpec } from "../runtime/engine.js";
import type { PilotRecord } from "./history.js";
import type { Logger } from "./logger.js";

/** Kills that are not the owner taking resources back: SIGTERM first, SIGKILL after stop_grace. */
const GRACEFUL_REASONS: ReadonlySet<KillReason> = new Set<KillReason>(["ttl", "schedule", "evict_when", "force_stop"]);

/** Exit code of a process ended by SIGKILL (128 + 9). */
const SIGKILL_EXIT = 137;

export interface ActResult { started: PilotInfo[]; killed: number; paused: number; resumed: number; removed: number; launchError?: string }

export interface ActDeps {
  engine: ContainerEngine;
  logger: Logger;
  now: () => number;
  specFor: () => PilotSpec;
  launchConcurrency: number;
  onFinished: (record: PilotRecord) => void;
  /** Saves a pilot's output before it is removed (its errors are ignored). */
  keepLog?: (id: string, name: string) => Promise<void>;
  /** Runs the urgent part (kills, pauses) with the pilots able to run, so they freeze and die at once. */
  urgent?: <T>(fn: () => Promise<T>) => Promise<T>;
  onEvent: (event: "started" | "paused" | "resumed", pilot: { id: string; name: string }, reason: string) => void;
  /** stop_grace; 0 or absent: every kill is SIGKILL at once. */
  stopGraceSeconds?: number;
  /** Graceful stops in flight, kept by the caller across decisions: id -> escalated to SIGKILL. */
  stopping?: Map<string, { escalated: boolean }>;
  /** A graceful stop ended (in the background): decide again. */
  afterStop?: () => void;
}

export async function act(decision: Decision, pilots: ReadonlyMap<string, PilotInfo>, allowStart: boolean, deps: ActDeps): Promise<ActResult> {
  const { engine, logger } = deps;
  const result: ActResult = { started: [], killed: 0, paused: 0, resumed: 0, removed: 0 };
  const stopping = deps.stopping ?? new Map<string, { escalated: boolean }>();
  /** how "stop": SIGTERM, SIGKILL after stop_grace, then remove; signal says which ended it. */
  const finish = async (id: string, reason: KillReason, how: "kill" | "remove" | "stop") => {
    const pilot = pilots.get(id);
    let signal: "TERM" | "KILL" | undefined = how === "kill" ? "KILL" : undefined;
    const stopAtMs = deps.now();
    try {
      if (how === "stop") await engine.stop?.(id, deps.stopGraceSeconds ?? 0);
    } catch (err) {
      logger.warn({ id, reason, err: (err as Error).message }, `could not stop pilot ${pilot?.name ?? id} gracefully; killing it`);
    }
    if (how === "stop" && stopping.get(id)?.escalated === true) return false; // a give-back killed it meanwhile
    // Give-back: the signal first, the log saving after (it reads the dead container's output).
    if (how === "kill" && engine.sigkill) {
      try {
        await engine.sigkill(id);
      } catch (err) {
        logger.warn({ id, reason, err: (err as Error).message }, `could not SIGKILL pilot ${pilot?.name ?? id}; removing it`);
      }
    }
    const exit = how !== "kill" ? await engine.exitInfo(id).catch(() => undefined) : undefined;
    if (how === "stop") {
      // Killed: exit 137 once the grace ran out (a pilot may exit 137 by itself earlier).
      const graceMs = (deps.stopGraceSeconds ?? 0) * 1000;
      signal = exit?.exitCode === SIGKILL_EXIT && deps.now() - stopAtMs >= graceMs * 0.9 ? "KILL" : "TERM";
    }
    await deps.keepLog?.(id, pilot?.name ?? "").catch(() => undefined);
    try {
      await (how === "remove" ? engine.remove(id) : engine.kill(id));
    } catch (err) {
      logger.warn({ id, reason, err: (err as Error).message }, `could not ${how} pilot ${pilot?.name ?? id}`);
      return false;
    }
    const endedAtMs = exit?.finishedAtMs && exit.finishedAtMs > 0 ? exit.finishedAtMs : deps.now();
    const startedAtMs = exit?.startedAtMs && exit.startedAtMs > 0 ? exit.startedAtMs : pilot?.createdAtMs ?? endedAtMs;
    const record: PilotRecord = {
      id, name: pilot?.name ?? "", image: pilot?.image ?? "", startedAtMs, endedAtMs,
      uptimeSeconds: Math.max(0, Math.round((endedAtMs - startedAtMs) / 1000)),
      exitCode: exit?.exitCode ?? null, reason, ...(exit?.oomKilled ? { oomKilled: true } : {}),
      ...(signal !== undefined ? { signal, graceful: signal === "TERM" } : {}),
    };
    const done = how === "remove" ? "removed" : signal === "TERM" ? "stopped" : "killed";
    logger.info({ pilot: record.name, id: id.slice(0, 12), reason, exitCode: record.exitCode, uptime: record.uptimeSeconds, signal }, `${done} pilot ${record.name} (${reason}${signal ? `, SIG${signal}` : ""})`);
    deps.onFinished(record);
    return true;
  };
  const graceful = (reason: KillReason): boolean => (deps.stopGraceSeconds ?? 0) > 0 && engine.stop !== undefined && GRACEFUL_REASONS.has(reason);
  // A pilot that exited under a graceful stop of ours is recorded by that stop (reason ttl, ...), not as "exited".
  for (const a of decision.remove) if (!stopping.has(a.id) && (await finish(a.id, a.reason, "remove"))) result.removed++;
  const urgent = deps.urgent ?? (<T>(fn: () => Promise<T>) => fn());
  // Pauses go out together: giving the CPU back is the urgent part of a decision.
  const freeze = (actions: Decision["pause"] | Decision["unpause"], verb: "pause" | "unpause") =>
    Promise.all(actions.map(async (a) => {
      const done = verb === "pause" ? "paused" : "resumed";
      try {
        await (verb === "pause" ? engine.pause(a.id) : engine.unpause(a.id));
        result[done]++;
        logger.info({ pilot: a.name, reason: a.reason }, `${done} pilot ${a.name} (${a.reason})`);
        deps.onEvent(done, a, a.reason);
      } catch (err) {
        logger.warn({ pilot: a.name, err: (err as Error).message }, `could not ${verb} pilot ${a.name}`);
      }
    }));
  if (decision.kill.length + decision.pause.length > 0) {
    await urgent(async () => {
      // Kills go out together: they give resources back. A graceful stop is not awaited
      // (it may take stop_grace): the next decisions must not wait for it.
      const now = decision.kill.filter((a) => !graceful(a.reason));
      for (const a of decision.kill.filter((k) => graceful(k.reason) && !stopping.has(k.id))) {
        stopping.set(a.id, { escalated: false });
        void finish(a.id, a.reason, "stop").finally(() => {
          stopping.delete(a.id);
          deps.afterStop?.();
        });
      }
      for (const a of now) {
        const s = stopping.get(a.id);
        if (s) s.escalated = true; // the owner needs it now: SIGKILL overrides the grace
      }
      result.killed += (await Promise.all(now.map((a) => finish(a.id, a.reason, "kill")))).filter(Boolean).length;
      await freeze(decision.pause, "pause");
    });
  }
  await freeze(decision.unpause, "unpause");
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
      logger.error({ err: error.message }, `launch failed after ${launched.length} of ${specs.length} pilots: ${error.message}`);
    }
  }
  return result;
}
