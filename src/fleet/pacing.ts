// When a fleet agent may call etcd: the load shedding that lets 10,000 hosts live through
// an overloaded or restarting etcd. Pure (the clock and the random source are given):
//  - registration (lease grant + first put) starts at a random moment of a window, on
//    start (min(ttl, 5 s)) and after a lost lease (ttl: every host lost it at once, so
//    the fleet comes back at about N/ttl registrations/s, not N at once);
//  - a failed registration is retried after an exponential backoff with jitter, from the
//    start window doubling up to twice the ttl (10 s to 120 s): a fleet starting against
//    a dead etcd tries at most about twice as often as its start window spreads it;
//  - the lease is renewed every renewEvery (default ttl/3, bounded to [1 s, ttl/2]) with
//    +-10 % jitter, so renewals never line up; a failed renewal is retried from
//    renewEvery/8, doubling up to renewEvery: at least three tries before the lease can
//    expire, and under a long outage no more calls than the steady renewals;
//  - after a fleet command (drain --all reaches every host within a second) the status
//    write that shows it comes at a random moment of a renewal period (2 s to 10 s), not
//    10,000 puts in the same second as the watch events etcd is still delivering.
export type Ms = number;

export interface Backoff {
  baseMs: Ms;
  capMs: Ms;
}

/** The k-th retry (k >= 1): min(cap, base * 2^(k-1)), jittered to [1/2, 1] of it (never a hot loop). */
export function backoffDelay(attempt: number, b: Backoff, random: () => number): Ms {
  const full = Math.min(b.capMs, b.baseMs * 2 ** Math.max(0, attempt - 1));
  return full * (0.5 + 0.5 * random());
}

/** A moment in [0, windowMs): where one host's call falls in a fleet-wide window. */
export function spreadDelay(windowMs: Ms, random: () => number): Ms {
  return Math.max(0, windowMs) * random();
}

export interface Cadence {
  ttlMs: Ms;
  /** Between two renewals of the lease. */
  renewMs: Ms;
  /** Window of the first registration after start. */
  startWindowMs: Ms;
  /** Window of a registration after the lease was lost. */
  relostWindowMs: Ms;
  /** Window of the status write after a fleet command. */
  commandWindowMs: Ms;
  register: Backoff;
  renewRetry: Backoff;
}

/** renew_every, bounded: at least 1 s, at most ttl/2 (null: ttl/3, the Go client's choice). */
export function renewEveryMs(ttlSeconds: number, renewEverySeconds: number | null | undefined): Ms {
  const ttlMs = ttlSeconds * 1000;
  const wanted = renewEverySeconds == null ? ttlMs / 3 : renewEverySeconds * 1000;
  return Math.max(1000, Math.min(ttlMs / 2, wanted));
}

export function cadence(ttlSeconds: number, renewEverySeconds?: number | null): Cadence {
  const ttlMs = ttlSeconds * 1000;
  const renewMs = renewEveryMs(ttlSeconds, renewEverySeconds);
  return {
    ttlMs,
    renewMs,
    startWindowMs: Math.min(ttlMs, 5000),
    relostWindowMs: ttlMs,
    commandWindowMs: Math.min(10_000, Math.max(2000, renewMs)),
    register: { baseMs: Math.min(ttlMs, 5000), capMs: Math.min(120_000, Math.max(10_000, 2 * ttlMs)) },
    renewRetry: { baseMs: renewMs / 8, capMs: renewMs },
  };
}

/** The next renewal after one that succeeded: renewMs +-10 %. */
export function nextRenewalDelay(c: Cadence, random: () => number): Ms {
  return c.renewMs * (0.9 + 0.2 * random());
}

/** Registration attempts of one host: when the next may start. */
export class RegistrationPacer {
  private failures = 0;
  private atMs: Ms;

  constructor(
    private readonly c: Cadence,
    private readonly clock: () => Ms,
    private readonly random: () => number,
  ) {
    this.atMs = clock() + spreadDelay(c.startWindowMs, random);
  }

  /** True when an attempt may start now. */
  due(): boolean {
    return this.clock() >= this.atMs;
  }

  get nextAttemptAtMs(): Ms {
    return this.atMs;
  }

  failed(): void {
    this.failures++;
    this.atMs = this.clock() + backoffDelay(this.failures, this.c.register, this.random);
  }

  succeeded(): void {
    this.failures = 0;
  }

  /** The lease is gone (etcd said so): register again somewhere in the ttl window. */
  leaseLost(): void {
    this.failures = 0;
    this.atMs = this.clock() + spreadDelay(this.c.relostWindowMs, this.random);
  }
}

/** Renewals of one lease: the delay before the next one, after a success or a failure. */
export class RenewalPacer {
  private failures = 0;

  constructor(
    private readonly c: Cadence,
    private readonly random: () => number,
  ) {}

  succeeded(): Ms {
    this.failures = 0;
    return nextRenewalDelay(this.c, this.random);
  }

  failed(): Ms {
    this.failures++;
    return backoffDelay(this.failures, this.c.renewRetry, this.random);
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}
