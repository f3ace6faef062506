// Shared fakes for act() and the daemon's owners: a silent logger, act's dependencies
// with every member set (tests override what they watch), and a kill as decide() makes it.
import type { ActDeps } from "../../src/daemon/loop/act.js";
import { GracefulStops } from "../../src/daemon/owners/graceful-stops.js";
import type { Logger } from "../../src/daemon/process/logger.js";
import { stopSignal } from "../../src/policy/stop-signal.js";
import type { KillAction, KillReason } from "../../src/policy/policy-types.js";
import type { ContainerEngine } from "../../src/runtime/engine.js";

/** A logger that says nothing and records the warnings (tests read `warned`). */
export function quietLogger(): Logger & { warned: string[] } {
  const warned: string[] = [];
  const none = () => undefined;
  return {
    warned,
    info: none,
    error: none,
    debug: none,
    warn: (a: unknown, b?: string) => void warned.push(typeof a === "string" ? a : (b ?? "")),
  } as unknown as Logger & { warned: string[] };
}

export function actDeps(engine: ContainerEngine, overrides: Partial<ActDeps> = {}): ActDeps {
  return {
    engine,
    logger: quietLogger(),
    now: () => 0,
    beforeEnd: () => undefined,
    specFor: () => {
      throw new Error("no start here");
    },
    launchConcurrency: 1,
    onFinished: () => undefined,
    keepLog: async () => undefined,
    urgent: (fn) => fn(),
    onEvent: () => undefined,
    stops: new GracefulStops(() => undefined),
    pull: () => undefined,
    ...overrides,
  };
}

/** A kill of pilot `id` (named p-id) as decide() makes it: with its signal for this stop_grace. */
export function killOf(id: string, reason: KillReason, stopGraceSeconds: number): KillAction {
  return { id, name: `p-${id}`, reason, ...stopSignal(reason, stopGraceSeconds) };
}
