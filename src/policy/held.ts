// "Since when has this held": the kubelet's thresholds-first-observed-at, for one condition.

/** The time the condition started holding: kept while it holds, set to now when it starts,
 *  cleared when it stops. */
export function sinceWhen(
  holds: boolean,
  previousSinceMs: number | undefined,
  nowMs: number,
): number | undefined {
  if (!holds) return undefined;
  return previousSinceMs ?? nowMs;
}

/** True when the condition has held at least `graceSeconds` (0 = as soon as it holds). */
export function heldFor(sinceMs: number | undefined, nowMs: number, graceSeconds: number): boolean {
  return sinceMs !== undefined && nowMs - sinceMs >= graceSeconds * 1000;
}

/** Whole seconds left before `heldFor` becomes true (0 when it already is). */
export function secondsLeft(sinceMs: number, nowMs: number, graceSeconds: number): number {
  return Math.max(0, Math.ceil((sinceMs + graceSeconds * 1000 - nowMs) / 1000));
}

/** A held window from the state's two fields (both set, or none). */
export function heldWindow(
  sinceMs: number | undefined,
  ownerCpu: number | undefined,
): { sinceMs: number; ownerCpu: number } | undefined {
  return sinceMs === undefined || ownerCpu === undefined ? undefined : { sinceMs, ownerCpu };
}
