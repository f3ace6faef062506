// Waiting in benchmarks: fixed pauses, and polling with a deadline.
import { setTimeout as sleep } from "node:timers/promises";

export { sleep };

/** Polls until probe returns a value (not undefined/false); throws after timeoutMs. */
export async function poll<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${String(lastErr)})` : ""}`);
    await sleep(everyMs);
  }
}
