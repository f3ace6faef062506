// One host's presence in the fleet: one lease (its alive key), one status key written on
// change and at most every few seconds, and two watched command keys (its own and the
// all-hosts one). It fails open: nothing the daemon does waits for etcd, a lost etcd only
// logs "fleet: etcd unreachable since T" once, and the last fleet command stays in force
// (it is the daemon's drain control file). It sheds load (pacing.ts): registration at a
// random moment of a window, retries after jittered exponential backoff, a lease kept
// across an etcd restart rather than granted again (lease-keeper.ts), longer deadlines
// for the registration calls, a failed status write retried later, not every poll, and
// the status writes that follow a fleet command spread over a few seconds.
import type { Etcd3, IKeyValue, Watcher } from "etcd3";
import { decodeCommand, newer } from "./command.js";
import { CALL_TIMEOUT_MS, REGISTER_TIMEOUT_MS } from "./etcd-client.js";
import { fleetKeys, type FleetKeys } from "./keys.js";
import { isLeaseInvalid, LeaseKeeper } from "./lease-keeper.js";
import { backoffDelay, cadence, RegistrationPacer, spreadDelay, type Cadence } from "./pacing.js";
import { DEFAULT_PACING, encodeStatus, shouldWrite, significant, type WritePacing } from "./status-record.js";
import type { FleetCommand, FleetHost, FleetState, HostStatus } from "./types.js";

export interface FleetAgentOptions {
  name: string;
  ttlSeconds: number;
  prefix: string;
  /** Seconds between two lease renewals (null/undefined: ttl/3); bounded to [1 s, ttl/2]. */
  renewEverySeconds?: number | null;
  clock?: () => number;
  random?: () => number;
  pacing?: WritePacing;
  /** How often the agent looks at the host's report (no etcd call unless it must write). */
  pollMs?: number;
  callTimeoutMs?: number;
  registerTimeoutMs?: number;
}

export class FleetAgent {
  private readonly keys: FleetKeys;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly pacing: WritePacing;
  private readonly cadence: Cadence;
  private readonly pacer: RegistrationPacer;
  private readonly keeper: LeaseKeeper;
  private timer?: NodeJS.Timeout;
  private watchers: Watcher[] = [];
  private aliveWritten = false;
  private commandsRead = false;
  private registered = false;
  private busy = false;
  private stopped = false;
  private downSinceMs?: number;
  /** First failure not yet followed by a success: one member going away is not "etcd down". */
  private failingSinceMs?: number;
  private lastError?: string;
  private lastWrite?: { key: string; atMs: number };
  private statusFailures = 0;
  private statusRetryAtMs = 0;
  private own?: FleetCommand;
  private all?: FleetCommand;
  private applied?: FleetCommand;
  private applying: Promise<void> = Promise.resolve();
  private writes = 0;
  private grants = 0;

  constructor(
    private readonly client: Etcd3,
    private readonly host: FleetHost,
    private readonly opts: FleetAgentOptions,
  ) {
    this.keys = fleetKeys(opts.prefix);
    this.clock = opts.clock ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.pacing = opts.pacing ?? DEFAULT_PACING;
    this.cadence = cadence(opts.ttlSeconds, opts.renewEverySeconds);
    this.pacer = new RegistrationPacer(this.cadence, this.clock, this.random);
    this.keeper = new LeaseKeeper(
      client,
      {
        ttlSeconds: opts.ttlSeconds,
        cadence: this.cadence,
        clock: this.clock,
        random: this.random,
        callTimeoutMs: opts.callTimeoutMs ?? CALL_TIMEOUT_MS,
        registerTimeoutMs: this.registerTimeoutMs,
      },
      {
        renewed: () => this.reachable(),
        failed: (err) => this.failed(err),
        lost: (err) => this.leaseLost(err),
      },
    );
  }

  /** A renewal period plus one call's deadline without a success. */
  private get downAfterMs(): number {
    return this.cadence.renewMs + (this.opts.callTimeoutMs ?? CALL_TIMEOUT_MS);
  }

  private get registerTimeoutMs(): number {
    return this.opts.registerTimeoutMs ?? REGISTER_TIMEOUT_MS;
  }

  /** Returns at once; registration and writes run in the background. */
  start(): void {
    this.applying = this.host.lastApplied().then(
      (c) => void (this.applied ??= c),
      () => undefined,
    );
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs ?? 1000);
    this.timer.unref();
    void this.poll();
  }

  state(): FleetState {
    return {
      name: this.opts.name,
      connected: this.registered && this.downSinceMs === undefined,
      unreachableSinceMs: this.downSinceMs,
      lastError: this.lastError,
      command: this.applied,
      writes: this.writes,
      renewals: this.keeper.renewalCalls,
      registrations: this.grants,
    };
  }

  /** Stops; the lease is revoked (bounded), so the host shows as gone at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (const w of this.watchers) void w.cancel().catch(() => undefined);
    await this.keeper.revoke();
  }

  private async poll(): Promise<void> {
    // Failing for longer than a renewal period plus one call's deadline (a call that timed out
    // on a member going away, then one to another member): down.
    if (this.failingSinceMs !== undefined && this.clock() - this.failingSinceMs >= this.downAfterMs)
      this.down();
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      if (!this.registered || !this.commandsRead) {
        if (this.pacer.due()) await this.register();
      } else {
        await this.writeStatus(false);
      }
    } finally {
      this.busy = false;
    }
  }

  /** The steps not done yet: lease, alive key, commands (read, then watched), status. */
  private async register(): Promise<void> {
    const deadline = () => ({ deadline: this.clock() + this.registerTimeoutMs });
    try {
      if (this.keeper.lease === undefined) {
        this.aliveWritten = false;
        this.grants++;
        await this.keeper.grant();
      }
      const lease = this.keeper.lease!;
      if (!this.aliveWritten) {
        await lease
          .put(this.keys.alive(this.opts.name))
          .value(JSON.stringify({ atMs: this.clock() }))
          .options(deadline());
        this.aliveWritten = true;
      }
      if (!this.commandsRead) {
        const [own, all] = await Promise.all([
          this.client.get(this.keys.command(this.opts.name)).options(deadline()).exec(),
          this.client.get(this.keys.allCommand).options(deadline()).exec(),
        ]);
        this.own = commandOf(own.kvs[0]);
        this.all = commandOf(all.kvs[0]);
        this.commandsRead = true;
        void this.evaluate();
        // From the revision read on: nothing written between the read and the watch is missed.
        const from =
          BigInt(own.header.revision < all.header.revision ? own.header.revision : all.header.revision) + 1n;
        this.watch(String(from));
      }
      if (this.stopped || this.keeper.lease !== lease)
        throw new Error("the lease was lost while registering");
      const first = !this.registered;
      this.registered = true;
      this.pacer.succeeded();
      if (first) await this.writeStatus(true);
      this.reachable();
    } catch (err) {
      if (isLeaseInvalid(err)) this.keeper.drop(); // expired meanwhile: the next attempt grants a new one
      this.failed(err as Error);
      this.down();
      this.pacer.failed();
    }
  }

  private leaseLost(err: Error): void {
    if (this.stopped) return;
    this.registered = false;
    this.aliveWritten = false;
    this.failed(err);
    this.down();
    this.pacer.leaseLost();
  }

  /** Watches the two command keys (not awaited: a watch waits for etcd; etcd3 resumes it after an outage). */
  private watch(fromRevision: string): void {
    for (const w of this.watchers) void w.cancel().catch(() => undefined);
    this.watchers = [];
    const on = (key: string, set: (c: FleetCommand | undefined) => void) => {
      const pending = this.client
        .watch()
        .key(key)
        .startRevision(fromRevision)
        .create()
        .then((w) => {
          w.on("put", (kv: IKeyValue) => {
            set(commandOf(kv));
            void this.evaluate();
          });
          w.on("delete", () => set(undefined));
          // A watch cut for good (e.g. compacted): read the keys again (the lease stays).
          w.on("error", (err: Error) => {
            this.failed(err);
            void w.cancel().catch(() => undefined);
            if (this.watchers.includes(w)) {
              this.watchers = this.watchers.filter((x) => x !== w);
              this.commandsRead = false;
            }
          });
          if (this.stopped) void w.cancel().catch(() => undefined);
          else this.watchers.push(w);
          return w;
        });
      pending.catch((err: Error) => {
        this.failed(err);
        this.commandsRead = false;
      });
    };
    on(this.keys.command(this.opts.name), (c) => (this.own = c));
    on(this.keys.allCommand, (c) => (this.all = c));
  }

  /** Applies the command in force when it is not the one applied last. */
  private evaluate(): Promise<void> {
    this.applying = this.applying.then(async () => {
      const next = newer(this.own, this.all);
      if (next === undefined || next.revision === this.applied?.revision || this.stopped) return;
      this.applied = next;
      this.host.log.info(`fleet: ${next.action} by ${next.who}${next.reason ? `: ${next.reason}` : ""}`);
      await this.host.apply(next);
      // The command shows in the status record soon, at a moment of its own (pacing.ts).
      this.statusRetryAtMs = Math.max(
        this.statusRetryAtMs,
        this.clock() + spreadDelay(this.cadence.commandWindowMs, this.random),
      );
    });
    return this.applying;
  }

  private async writeStatus(force: boolean): Promise<void> {
    let report;
    try {
      report = this.host.report();
    } catch (err) {
      this.lastError = `report: ${(err as Error).message}`;
      return;
    }
    const now = this.clock();
    const status: HostStatus = {
      name: this.opts.name,
      ...report,
      atMs: now,
      ...(this.applied ? { command: { action: this.applied.action, revision: this.applied.revision } } : {}),
    };
    if (!force && (now < this.statusRetryAtMs || !shouldWrite(this.lastWrite, status, now, this.pacing)))
      return;
    try {
      await this.client.put(this.keys.status(this.opts.name)).value(encodeStatus(status));
      this.writes++;
      this.lastWrite = { key: significant(status), atMs: now };
      this.statusFailures = 0;
      this.reachable();
    } catch (err) {
      // Not again at the next poll: an overloaded etcd would get every host's put every second.
      this.statusFailures++;
      this.statusRetryAtMs =
        this.clock() +
        backoffDelay(
          this.statusFailures,
          { baseMs: this.pacing.minWriteMs, capMs: this.pacing.refreshMs },
          this.random,
        );
      this.failed(err as Error);
    }
  }

  private failed(err: Error): void {
    this.lastError = err.message;
    this.failingSinceMs ??= this.clock();
  }

  /** Says it once per outage, with the time of its first failure. */
  private down(): void {
    if (this.downSinceMs !== undefined || this.stopped) return;
    this.downSinceMs = this.failingSinceMs ?? this.clock();
    this.host.log.warn(
      `fleet: etcd unreachable since ${new Date(this.downSinceMs).toISOString()} (${this.lastError ?? "?"}); pilots and the last fleet command stay as they are`,
    );
  }

  private reachable(): void {
    if (!this.registered) return;
    this.failingSinceMs = undefined;
    if (this.downSinceMs === undefined) return;
    this.host.log.info(
      `fleet: etcd reachable again after ${Math.round((this.clock() - this.downSinceMs) / 1000)} s; registered as ${this.opts.name}`,
    );
    this.downSinceMs = undefined;
    this.lastError = undefined;
    // A change that could not be written during the outage goes at the next poll (the hosts
    // notice etcd's return at their renewals, spread over a renewal period).
    this.statusRetryAtMs = 0;
    this.statusFailures = 0;
  }
}

function commandOf(kv: IKeyValue | undefined): FleetCommand | undefined {
  return kv === undefined ? undefined : decodeCommand(kv.value.toString("utf8"), kv.mod_revision);
}
