// The admin's one-shot calls (planctonctl fleet drain|resume|status) ride out what a
// healthy cluster goes through: a member killed or restarted, and the leader election
// that follows (etcd answers "no leader" or "leader changed" for about one election
// timeout, 1 s by default, and "request timed out" for a proposal lost with the leader).
// etcd3 tries the next member once on a refused connection; an election needs time,
// so these calls are tried again after a growing pause. Only for calls that can be
// repeated (a read, or the put of the same command value): etcd's own client retries
// a write only when it never reached a member.
export const TRANSIENT =
  /UNAVAILABLE|no leader|leader changed|request timed out|ECONNREFUSED|No connection established/i;

/** Pauses before each new try: about 8 s in all, within what an admin waits for a command. */
export const RETRY_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000];

export const isTransient = (err: unknown): boolean =>
  err instanceof Error && TRANSIENT.test(`${err.constructor.name} ${err.message}`);

export async function retryTransient<T>(
  fn: () => Promise<T>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  delaysMs: readonly number[] = RETRY_DELAYS_MS,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const delay = delaysMs[attempt];
      if (delay === undefined || !isTransient(err)) throw err;
      await sleep(delay);
    }
  }
}
