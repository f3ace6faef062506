// Runs tasks with at most `concurrency` in flight, stopping at the first failure:
// after a task fails no further task begins; those already in flight are awaited
// (their results are real containers, the caller must know them).

export interface BoundedOutcome<R> {
  /** Results of the tasks that succeeded, in the order of their inputs. */
  results: R[];
  /** The first failure, if any. */
  error?: Error;
  /** How many tasks began. */
  started: number;
}

export async function runBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<BoundedOutcome<R>> {
  const limit = Math.max(1, Math.floor(Number.isFinite(concurrency) ? concurrency : 1));
  const results: { index: number; value: R }[] = [];
  let next = 0;
  let error: Error | undefined;

  async function worker(): Promise<void> {
    while (error === undefined && next < items.length) {
      const index = next++;
      try {
        results.push({ index, value: await task(items[index] as T, index) });
      } catch (e) {
        error ??= e instanceof Error ? e : new Error(String(e));
      }
    }
  }

  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, () => worker()));
  results.sort((a, b) => a.index - b.index);
  return { results: results.map((r) => r.value), started: next, ...(error ? { error } : {}) };
}
