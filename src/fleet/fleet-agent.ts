// One host's presence in the fleet: one lease (its alive key), one status key written on
// change and at most every few seconds, and three watched keys (its two command keys, its
// own alive key). It fails open: nothing the daemon does waits for etcd, a lost etcd only
// logs "fleet: etcd unreachable since T" once, and the last fleet command stays in force
// (it is the daemon's drain control file). It sheds load (pacing.ts): registration at a
// random moment of a window, retries after jittered exponential backoff, a lease kept
// across an etcd restart (lease-keeper.ts), longer deadlines for the registration calls,
// a failed status write retried later (status-writer.ts). The alive key is claimed, not
// overwritten (alive-key.ts), and put back when deleted while the lease lives.
import type { Etcd3, IKeyValue, Watcher } from "etcd3";
import { claimAlive, NameHeldError } from "./alive-key.js";
import { decodeApplied, decodeCommand, inForce, isMalformed, type CommandEntry } from "./command.js";
import { CALL_TIMEOUT_MS, REGISTER_TIMEOUT_MS } from "./etcd-client.js";
import { watchKey } from "./key-watch.js";
import { fleetKeys, type FleetKeys } from "./keys.js";
import { isLeaseInvalid, LeaseKeeper } from "./lease-keeper.js";
import { cadence, RegistrationPacer, type Cadence } from "./pacing.js";
import { Reachability } from "./reachability.js";
import { DEFAULT_PACING, type WritePacing } from "./status-record.js";
import { StatusWriter } from "./status-writer.js";
import type { FleetCommand, FleetHost, FleetState } from "./fleet-types.js";

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
  private readonly cadence: Cadence;
  private readonly pacer: RegistrationPacer;
  private readonly keeper: LeaseKeeper;
  private readonly net: Reachability;
  private readonly status: StatusWriter;
  private timer?: NodeJS.Timeout;
  private watchers: Watcher[] = [];
  private aliveWritten = false;
  private commandsRead = false;
  private registered = false;
  private busy = false;
  private stopped = false;
  private heldBy?: string;
  private own?: CommandEntry;
  private all?: CommandEntry;
  private applied?: FleetCommand;
  private applying: Promise<void> = Promise.resolve();
  private grants = 0;

  constructor(
    private readonly client: Etcd3,
    private readonly host: FleetHost,
    private readonly opts: FleetAgentOptions,
  ) {
    this.keys = fleetKeys(opts.prefix);
    this.clock = opts.clock ?? Date.now;
    const random = opts.random ?? Math.random;
    this.cadence = cadence(opts.ttlSeconds, opts.renewEverySeconds);
    this.pacer = new RegistrationPacer(this.cadence, this.clock, random);
    const callTimeoutMs = opts.callTimeoutMs ?? CALL_TIMEOUT_MS;
    this.net = new Reachability(this.clock, this.cadence.renewMs + callTimeoutMs, host.log);
    this.status = new StatusWriter(client, {
      name: opts.name,
      key: this.keys.status(opts.name),
      pacing: opts.pacing ?? DEFAULT_PACING,
      clock: this.clock,
      random,
    });
    this.keeper = new LeaseKeeper(
      client,
      {
        ttlSeconds: opts.ttlSeconds,
        cadence: this.cadence,
        clock: this.clock,
        random,
        callTimeoutMs,
        registerTimeoutMs: this.registerTimeoutMs,
      },
      {
        renewed: () => this.reachable(),
        failed: (err) => this.net.failed(err),
        lost: (err) => this.leaseLost(err),
      },
    );
  }

  private get registerTimeoutMs(): number {
    return this.opts.registerTimeoutMs ?? REGISTER_TIMEOUT_MS;
  }

  /** Returns at once; registration and writes run in the background. */
  start(): void {
    this.applying = this.host.lastApplied().then(
      (c) => void (this.applied ??= decodeApplied(c)),
      () => undefined,
    );
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs ?? 1000);
    this.timer.unref();
    void this.poll();
  }

  state(): FleetState {
    return {
      name: this.opts.name,
      connected: this.registered && this.net.downSinceMs === undefined,
      unreachableSinceMs: this.net.downSinceMs,
      lastError: this.net.lastError,
      command: this.applied,
      writes: this.status.writes,
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
    if (this.net.check()) this.net.down();
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      if (!this.registered || !this.commandsRead || !this.aliveWritten) {
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
        const { name } = this.opts;
        const value = JSON.stringify({ atMs: this.clock() });
        await claimAlive(this.client, lease, name, this.keys.alive(name), value, deadline().deadline);
        this.aliveWritten = true;
        this.heldBy = undefined;
      }
      if (!this.commandsRead) {
        const [own, all] = await Promise.all([
          this.client.get(this.keys.command(this.opts.name)).options(deadline()).exec(),
          this.client.get(this.keys.allCommand).options(deadline()).exec(),
        ]);
        this.own = this.entry("own", own.kvs[0]);
        this.all = this.entry("all", all.kvs[0]);
        this.commandsRead = true;
        void this.evaluate();
        const low = own.header.revision < all.header.revision ? own.header.revision : all.header.revision;
        this.watch(String(BigInt(low) + 1n));
      }
      if (this.stopped || this.keeper.lease !== lease)
        throw new Error("the lease was lost while registering");
      const first = !this.registered;
      this.registered = true;
      this.pacer.succeeded();
      if (first) await this.writeStatus(true);
      this.reachable();
    } catch (err) {
      this.pacer.failed();
      if (err instanceof NameHeldError) return this.nameHeld(err);
      if (isLeaseInvalid(err)) this.keeper.drop(); // expired meanwhile: the next attempt grants a new one
      this.net.failed(err as Error);
      this.net.down();
    }
  }

  /** Another agent holds the name: said once per holder; retried (it may stop). */
  private nameHeld(err: NameHeldError): void {
    this.registered = false;
    this.net.lastError = err.message;
    if (this.heldBy === err.leaseHex) return;
    this.heldBy = err.leaseHex;
    this.host.log.warn(`fleet: ${err.message}`);
  }

  private leaseLost(err: Error): void {
    if (this.stopped) return;
    this.registered = false;
    this.aliveWritten = false;
    this.net.failed(err);
    this.net.down();
    this.pacer.leaseLost();
  }

  /** The command keys and the alive key, from the revision read on. */
  private watch(fromRevision: string): void {
    for (const w of this.watchers) void w.cancel().catch(() => undefined);
    this.watchers = [];
    const keep = (w: Watcher) => !this.stopped && this.watchers.push(w) > 0;
    // A watch cut for good: the keys are read again, and the alive key claimed again (a
    // delete while it was cut would be missed; claiming a key already ours changes nothing).
    const broken = (err: Error) => {
      this.net.failed(err);
      this.commandsRead = false;
      this.aliveWritten = false;
    };
    const command = (which: "own" | "all", key: string) =>
      watchKey(
        this.client,
        key,
        fromRevision,
        {
          put: (kv) => {
            this[which] = this.entry(which, kv);
            void this.evaluate();
          },
          delete: () => (this[which] = undefined),
          broken,
        },
        keep,
      );
    command("own", this.keys.command(this.opts.name));
    command("all", this.keys.allCommand);
    // Deleted by hand while the lease lives (`etcdctl del`): claimed again at the next poll.
    const alive = { put: () => undefined, delete: () => void (this.aliveWritten = false), broken };
    watchKey(this.client, this.keys.alive(this.opts.name), fromRevision, alive, keep);
  }

  /** A command key's value; a malformed one is logged once (its revision is new each time). */
  private entry(which: "own" | "all", kv: IKeyValue | undefined): CommandEntry | undefined {
    if (kv === undefined) return undefined;
    const e = decodeCommand(kv.value, kv.mod_revision);
    if (isMalformed(e))
      this.host.log.warn(
        `fleet: ignoring the ${which === "own" ? "host's" : "all-hosts"} command at revision ` +
          `${e.revision} (${e.malformed}); the command in force stays`,
      );
    return e;
  }

  /** Applies the command in force when it is not the one applied last. */
  private evaluate(): Promise<void> {
    this.applying = this.applying.then(async () => {
      const next = inForce(this.own, this.all, this.applied);
      if (next === undefined || next.revision === this.applied?.revision || this.stopped) return;
      this.applied = next;
      this.host.log.info(`fleet: ${next.action} by ${next.who}${next.reason ? `: ${next.reason}` : ""}`);
      await this.host.apply(next);
      // The command shows in the status record soon, at a moment of its own (pacing.ts).
      this.status.putOff(this.cadence.commandWindowMs);
    });
    return this.applying;
  }

  private async writeStatus(force: boolean): Promise<void> {
    let report;
    try {
      report = this.host.report();
    } catch (err) {
      this.net.lastError = `report: ${(err as Error).message}`;
      return;
    }
    const r = await this.status.write(report, this.applied, force);
    if (r === "written") this.reachable();
    else if (r instanceof Error) this.net.failed(r);
  }

  private reachable(): void {
    if (!this.registered) return;
    // A change that could not be written during the outage goes at the next poll (the hosts
    // notice etcd's return at their renewals, spread over a renewal period).
    if (this.net.reachable(this.opts.name)) this.status.retryNow();
  }
}
