// Waiting in benchmarks: fixed pauses, and polling with a deadline (the tests' helper).
import { setTimeout as sleep } from "node:timers/promises";
import { waitFor } from "../../test/helpers/wait.js";

export { sleep };

/** Polls until probe returns a value (not undefined/false); throws after timeoutMs. */
export function poll<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs = 20,
): Promise<T> {
  return waitFor(what, probe, timeoutMs, everyMs);
}
