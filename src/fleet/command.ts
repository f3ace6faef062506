// Fleet commands as stored in etcd, and which one is in force on a host: of its own
// command key and the all-hosts key, the one written last (highest mod revision) wins,
// so `drain --all` then `resume web01` leaves web01 running and the rest drained.
import type { FleetAction, FleetCommand } from "./types.js";

export function encodeCommand(action: FleetAction, reason: string, who: string, atMs: number): string {
  return JSON.stringify({ action, reason, who, atMs });
}

/** A command from a key's value and mod revision; undefined (ignored) when malformed. */
export function decodeCommand(text: string, revision: string): FleetCommand | undefined {
  try {
    const v = JSON.parse(text) as Partial<FleetCommand>;
    if (v === null || (v.action !== "drain" && v.action !== "resume")) return undefined;
    return {
      action: v.action,
      reason: typeof v.reason === "string" ? v.reason : "",
      who: typeof v.who === "string" ? v.who : "?",
      atMs: typeof v.atMs === "number" ? v.atMs : 0,
      revision,
    };
  } catch {
    return undefined;
  }
}

/** Revisions are decimal strings of int64: compare them as big integers. */
export function newer(a: FleetCommand | undefined, b: FleetCommand | undefined): FleetCommand | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return BigInt(a.revision) >= BigInt(b.revision) ? a : b;
}
