// Housekeeping by age and state: exited pilots removed, never-started ones removed,
// pilots older than max_ttl killed.
import type { KillReason, PolicyPilot } from "./policy-types.js";

export interface AgeVerdict {
  readonly action: "remove" | "kill";
  readonly reason: Extract<KillReason, "exited" | "never_started" | "ttl">;
  readonly why: string;
}

/** What age and state alone say about a pilot; undefined = nothing. */
export function ageVerdict(
  pilot: PolicyPilot,
  nowMs: number,
  maxTtlSeconds: number,
  neverStartedSeconds: number,
): AgeVerdict | undefined {
  const ageSeconds = Math.floor((nowMs - pilot.createdAtMs) / 1000);
  if (pilot.state === "exited" || pilot.state === "dead") {
    return { action: "remove", reason: "exited", why: pilot.state };
  }
  if (pilot.state === "created" && nowMs - pilot.createdAtMs > neverStartedSeconds * 1000) {
    return { action: "remove", reason: "never_started", why: `created ${ageSeconds} s ago, never started` };
  }
  if (
    (pilot.state === "running" || pilot.state === "paused" || pilot.state === "restarting") &&
    maxTtlSeconds > 0 &&
    nowMs - pilot.createdAtMs > maxTtlSeconds * 1000
  ) {
    return { action: "kill", reason: "ttl", why: `age ${ageSeconds} s > max_ttl ${maxTtlSeconds} s` };
  }
  return undefined;
}
