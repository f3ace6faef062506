// Capped exponential backoff with jitter, as a pure function.

/**
 * Delay before retry number `attempt` (1 = first retry): the ceiling doubles from
 * minMs up to maxMs, and the delay is drawn in [ceiling/2, ceiling] (never below
 * minMs), so hosts that lost the same server do not all come back at once.
 */
export function backoffDelayMs(attempt: number, minMs: number, maxMs: number, random: () => number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 52);
  const ceiling = Math.min(maxMs, minMs * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.max(minMs, Math.min(maxMs, Math.round(ceiling / 2 + (r * ceiling) / 2)));
}
