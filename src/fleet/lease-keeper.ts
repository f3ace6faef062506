// One host's lease, renewed by the agent itself rather than by etcd3's keep-alive loop
// (which renews at ttl/3 on a stream per lease, retries every 100 ms when the stream
// fails and gives the lease up after 2 ttl without asking etcd). Here a renewal is one
// call with a deadline, paced by RenewalPacer; the lease is given up only when etcd says
// it is gone (TTL 0 or "lease not found"). After an outage, even a long one, the same
// lease is renewed again when etcd still has it (etcd extends every lease when a leader
// is elected), so a restarted etcd sees no re-registrations and no second lease per host.
import { EtcdLeaseInvalidError, type Etcd3, type Lease } from "etcd3";
import { RenewalPacer, type Cadence, type Ms } from "./pacing.js";

export const isLeaseInvalid = (err: unknown): boolean => err instanceof EtcdLeaseInvalidError;

export interface LeaseEvents {
  renewed(): void;
  failed(err: Error): void;
  /** etcd says the lease is gone: its alive key went with it. */
  lost(err: Error): void;
}

export interface LeaseKeeperOptions {
  ttlSeconds: number;
  cadence: Cadence;
  clock: () => Ms;
  random: () => number;
  /** Deadline of a renewal. */
  callTimeoutMs: Ms;
  /**
   * Deadline of the grant: longer, an overloaded etcd is slow to answer and a grant given up on is a lease
   * wasted.
   */
  registerTimeoutMs: Ms;
}

export class LeaseKeeper {
  private current?: Lease;
  private timer?: NodeJS.Timeout;
  private pacer: RenewalPacer;
  private renewals = 0;

  constructor(
    private readonly client: Etcd3,
    private readonly opts: LeaseKeeperOptions,
    private readonly events: LeaseEvents,
  ) {
    this.pacer = new RenewalPacer(opts.cadence, opts.random);
  }

  get lease(): Lease | undefined {
    return this.current;
  }

  /** Renewal calls made (each is a request to etcd), for the benchmark's budget. */
  get renewalCalls(): number {
    return this.renewals;
  }

  /** Grants a new lease and starts renewing it; rejects (and keeps nothing) on failure. */
  async grant(): Promise<Lease> {
    this.drop();
    const lease = this.client.lease(this.opts.ttlSeconds, {
      autoKeepAlive: false,
      deadline: this.opts.clock() + this.opts.registerTimeoutMs,
    });
    lease.on("lost", () => undefined); // reported through grant() and renew() instead
    await lease.grant();
    this.current = lease;
    this.pacer = new RenewalPacer(this.opts.cadence, this.opts.random);
    this.schedule(this.pacer.succeeded());
    return lease;
  }

  /** Stops renewing and forgets the lease (it expires by itself). */
  drop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.current?.release();
    this.current = undefined;
  }

  /** Revokes the lease (its alive key goes at once), bounded by the call deadline. */
  async revoke(): Promise<void> {
    clearTimeout(this.timer);
    const lease = this.current;
    this.current = undefined;
    if (lease)
      await lease
        .revoke({ deadline: this.opts.clock() + Math.min(this.opts.callTimeoutMs, 1000) })
        .catch(() => undefined);
  }

  private schedule(delayMs: Ms): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.renew(), delayMs);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const lease = this.current;
    if (lease === undefined) return;
    this.renewals++;
    try {
      await lease.keepaliveOnce({ deadline: this.opts.clock() + this.opts.callTimeoutMs });
      if (lease !== this.current) return;
      this.schedule(this.pacer.succeeded());
      this.events.renewed();
    } catch (err) {
      if (lease !== this.current) return;
      if (isLeaseInvalid(err)) {
        this.drop();
        this.events.lost(err as Error);
        return;
      }
      this.schedule(this.pacer.failed());
      this.events.failed(err as Error);
    }
  }
}
