// One host's presence in the fleet: one lease (its alive key), one status key written on
// change and at most every few seconds, and two watched command keys (its own and the
// all-hosts one). It fails open: nothing the daemon does waits for etcd, a lost etcd only
// logs "fleet: etcd unreachable since T" once, and the last fleet command stays in force
// (it is the daemon's drain control file). When etcd returns the agent registers again.
import type { Etcd3, IKeyValue, Lease, Watcher } from "etcd3";
import { decodeCommand, newer } from "./command.js";
import { fleetKeys, type FleetKeys } from "./keys.js";
import { DEFAULT_PACING, encodeStatus, shouldWrite, significant, type WritePacing } from "./status-record.js";
import type { FleetCommand, FleetHost, FleetState, HostStatus } from "./types.js";

export interface FleetAgentOptions {
  name: string;
  ttlSeconds: number;
  prefix: string;
  clock?: () => number;
  pacing?: WritePacing;
  /** How often the agent looks at the host's report (no etcd call unless it must write). */
  pollMs?: number;
  /** Longest wait between two registration attempts while etcd is away. */
  maxBackoffMs?: number;
}

export class FleetAgent {
  private readonly keys: FleetKeys;
  private readonly clock: () => number;
  private readonly pacing: WritePacing;
  private timer?: NodeJS.Timeout;
  private lease?: Lease;
  private watchers: Watcher[] = [];
  private registered = false;
  private busy = false;
  private stopped = false;
  private nextAttemptMs = 0;
  private backoffMs = 500;
  private downSinceMs?: number;
  /** First failure not yet followed by a success: one member going away is not "etcd down". */
  private failingSinceMs?: number;
  private lastError?: string;
  private lastWrite?: { key: string; atMs: number };
  private own?: FleetCommand;
  private all?: FleetCommand;
  private applied?: FleetCommand;
  private applying: Promise<void> = Promise.resolve();
  private writes = 0;

  constructor(private readonly client: Etcd3, private readonly host: FleetHost, private readonly opts: FleetAgentOptions) {
    this.keys = fleetKeys(opts.prefix);
    this.clock = opts.clock ?? Date.now;
    this.pacing = opts.pacing ?? DEFAULT_PACING;
  }

  /** Returns at once; registration and writes run in the background. */
  start(): void {
    this.applying = this.host.lastApplied().then((c) => void (this.applied ??= c), () => undefined);
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs ?? 1000);
    this.timer.unref();
    void this.poll();
  }

  state(): FleetState {
    return { name: this.opts.name, connected: this.registered && this.downSinceMs === undefined, unreachableSinceMs: this.downSinceMs, lastError: this.lastError, command: this.applied, writes: this.writes };
  }

  /** Stops; the lease is revoked (bounded), so the host shows as gone at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (const w of this.watchers) void w.cancel().catch(() => undefined);
    const lease = this.lease;
    this.lease = undefined;
    if (lease) await Promise.race([lease.revoke().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
  }

  private async poll(): Promise<void> {
    // Failures for longer than a keep-alive period (etcd3 has tried the other members meanwhile): down.
    if (this.failingSinceMs !== undefined && this.clock() - this.failingSinceMs >= (this.opts.ttlSeconds * 1000) / 3 + 1000) this.down();
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      if (!this.registered) {
        if (this.clock() >= this.nextAttemptMs) await this.register();
      } else {
        await this.writeStatus(false);
      }
    } finally {
      this.busy = false;
    }
  }

  private async register(): Promise<void> {
    this.lease?.release();
    const lease = this.client.lease(this.opts.ttlSeconds);
    this.lease = lease;
    lease.on("lost", (err: Error) => this.leaseLost(lease, err));
    lease.on("keepaliveFailed", (err) => this.failed(err as unknown as Error)); // typed as a response, emitted with the error
    lease.on("keepaliveSucceeded", () => this.reachable());
    try {
      await lease.put(this.keys.alive(this.opts.name)).value(JSON.stringify({ atMs: this.clock() }));
      const [own, all] = await Promise.all([this.client.get(this.keys.command(this.opts.name)).exec(), this.client.get(this.keys.allCommand).exec()]);
      this.own = commandOf(own.kvs[0]);
      this.all = commandOf(all.kvs[0]);
      await this.evaluate();
      if (this.watchers.length === 0) await this.watch();
      // A watch waits for etcd: the lease may have been lost meanwhile (then try again).
      if (this.lease !== lease || this.stopped) throw new Error("the lease was lost while registering");
      this.registered = true;
      this.backoffMs = 500;
      await this.writeStatus(true);
      this.reachable();
    } catch (err) {
      if (this.lease === lease) this.lease = undefined;
      lease.release();
      this.failed(err as Error);
      this.down();
      // Jitter, so a returning etcd is not hit by every host at once.
      this.nextAttemptMs = this.clock() + this.backoffMs * (0.5 + Math.random());
      this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs ?? 10_000);
    }
  }

  private leaseLost(lease: Lease, err: Error): void {
    if (lease !== this.lease || this.stopped) return;
    this.registered = false;
    this.lease = undefined;
    this.failed(err);
    this.down();
  }

  private async watch(): Promise<void> {
    const on = (key: string, set: (c: FleetCommand | undefined) => void) =>
      this.client.watch().key(key).create().then((w) => {
        w.on("put", (kv: IKeyValue) => {
          set(commandOf(kv));
          void this.evaluate();
        });
        w.on("delete", () => set(undefined));
        // A watch cut for good (e.g. compacted): read the keys again at the next registration.
        w.on("error", (err: Error) => {
          this.failed(err);
          this.watchers = this.watchers.filter((x) => x !== w);
          void w.cancel().catch(() => undefined);
          this.registered = false;
        });
        return w;
      });
    this.watchers = await Promise.all([on(this.keys.command(this.opts.name), (c) => (this.own = c)), on(this.keys.allCommand, (c) => (this.all = c))]);
    if (this.stopped) for (const w of this.watchers) void w.cancel().catch(() => undefined);
  }

  /** Applies the command in force when it is not the one applied last. */
  private evaluate(): Promise<void> {
    this.applying = this.applying.then(async () => {
      const next = newer(this.own, this.all);
      if (next === undefined || next.revision === this.applied?.revision || this.stopped) return;
      this.applied = next;
      this.host.log.info(`fleet: ${next.action} by ${next.who}${next.reason ? `: ${next.reason}` : ""}`);
      await this.host.apply(next);
      void this.poll(); // the command shows in the status record soon
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
    const status: HostStatus = { name: this.opts.name, ...report, atMs: now, ...(this.applied ? { command: { action: this.applied.action, revision: this.applied.revision } } : {}) };
    if (!force && !shouldWrite(this.lastWrite, status, now, this.pacing)) return;
    try {
      await this.client.put(this.keys.status(this.opts.name)).value(encodeStatus(status));
      this.writes++;
      this.lastWrite = { key: significant(status), atMs: now };
      this.reachable();
    } catch (err) {
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
    this.host.log.warn(`fleet: etcd unreachable since ${new Date(this.downSinceMs).toISOString()} (${this.lastError ?? "?"}); pilots and the last fleet command stay as they are`);
  }

  private reachable(): void {
    if (!this.registered) return;
    this.failingSinceMs = undefined;
    if (this.downSinceMs === undefined) return;
    this.host.log.info(`fleet: etcd reachable again after ${Math.round((this.clock() - this.downSinceMs) / 1000)} s; registered as ${this.opts.name}`);
    this.downSinceMs = undefined;
    this.lastError = undefined;
  }
}

function commandOf(kv: IKeyValue | undefined): FleetCommand | undefined {
  return kv === undefined ? undefined : decodeCommand(kv.value.toString("utf8"), kv.mod_revision);
}
