// Which pilots count, and in which order the policy picks them.
import type { PilotState, PolicyPilot } from "./policy-types.js";

/** States of a pilot that holds (or is about to hold) a slot: it counts against max_docks. */
export function holdsSlot(state: PilotState): boolean {
  return state === "running" || state === "paused" || state === "created" || state === "restarting";
}

/** Youngest first (latest createdAtMs); ties by id so the order is deterministic. */
export function youngestFirst(pilots: readonly PolicyPilot[]): PolicyPilot[] {
  return [...pilots].sort(
    (a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
  );
}
