// The CPU Plancton itself costs the machine, which is not the owner's: the daemon's own
// process, and the container engine's processes (dockerd, containerd, the per-container
// shims and monitors, runc reaped by them) while the engine works for the daemon. Launching
// one pilot costs the engine about 0.5 CPU-seconds here; counted as the owner's, it looked
// like an owner arriving, and with grace_kill 0 each launch paused or killed the pilots
// already running (the quiet run of 2026-12-07: 6 pauses with no owner at all).
//
// The engine's CPU is the daemon's only while an operation of the daemon is in flight and
// for tailMs after the last one ends (the engine finishes its work after answering);
// otherwise it stays the owner's (an owner's own `docker build` is the owner's load). The
// engine's processes are not read at all while it is idle for the daemon: begin() takes
// their baselines when an operation starts, so nothing of the idle time is counted. While
// it works, each read rescans /proc (a launch's runc lives a few hundred ms).
import { readdirSync } from "node:fs";
import { readSmall } from "./kept-file.js";
import { procStatField, USER_HZ_MS } from "./proc-readers.js";

/**
 * The engines' processes by /proc/PID/comm (15 characters at most): Docker's and Podman's
 * daemons, monitors, runtimes and network helpers; "exe" is a binary re-executing itself
 * through /proc/self/exe (runc's init, dockerd's libnetwork-setkey hook); runc's init
 * stages rename themselves "runc:[0:PARENT]"... (ENGINE_PREFIXES).
 */
export const ENGINE_PROCESSES: readonly string[] = [
  "dockerd",
  "containerd",
  "containerd-shim",
  "runc",
  "exe",
  "podman",
  "conmon",
  "crun",
  "netavark",
  "aardvark-dns",
  "slirp4netns",
  "rootlessport",
  "fuse-overlayfs",
];
const ENGINE_PREFIXES: readonly string[] = ["runc:["];

export interface OwnCpuOptions {
  readonly proc?: string;
  readonly names?: readonly string[];
  readonly now?: () => number;
  /** The engine's CPU stays the daemon's this long after its last operation ends (default 1 s). */
  readonly tailMs?: number;
  /** The daemon's own CPU so far, ms (default process.cpuUsage()). */
  readonly selfMs?: () => number;
  readonly read?: (path: string) => string | undefined;
  readonly list?: (dir: string) => string[];
}

const selfCpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export class OwnCpuMeter {
  private inFlight = 0;
  private lastEndMs = -Infinity;
  /** Engine CPU (ms) counted as the daemon's so far. */
  private engineMs = 0;
  /** Each engine process's CPU (ticks) and parent at the last read. */
  private seen = new Map<number, { ticks: number; ppid: number }>();
  /** Uptime (ms) at the last scan: a process started after it is new, all its CPU counts. */
  private scannedAtUptimeMs = 0;
  private readonly read: (path: string) => string | undefined;
  private readonly proc: string;
  private readonly now: () => number;

  constructor(private readonly opts: OwnCpuOptions = {}) {
    this.read = opts.read ?? readSmall;
    this.proc = opts.proc ?? "/proc";
    this.now = opts.now ?? Date.now;
  }

  /** An engine operation of the daemon starts. */
  begin(): void {
    if (!this.working()) this.baselines();
    this.inFlight++;
  }

  /** That operation ended (answered or failed). */
  end(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) this.lastEndMs = this.now();
  }

  /** Cumulative CPU (ms) of the daemon and of the engine while it worked for the daemon. */
  totalMs(): number {
    if (this.working()) this.accrue();
    return (this.opts.selfMs ?? selfCpuMs)() + this.engineMs;
  }

  /** What is counted (status). */
  describe(): string {
    return (
      "the daemon's own CPU and the engine's (dockerd, containerd, shims, runc, podman, conmon...) " +
      "while it works for the daemon"
    );
  }

  private working(): boolean {
    return this.inFlight > 0 || this.now() - this.lastEndMs <= (this.opts.tailMs ?? 1000);
  }

  /** Every engine process's CPU now, without counting it. */
  private baselines(): void {
    this.seen = new Map();
    for (const pid of this.scan()) {
      const t = this.ticks(pid);
      if (t) this.seen.set(pid, t);
    }
  }

  private accrue(): void {
    const bornAfterMs = this.scannedAtUptimeMs;
    const pids = this.scan();
    const next = new Map<number, { ticks: number; ppid: number; startMs: number }>();
    for (const pid of pids) {
      const t = this.ticks(pid);
      if (t !== undefined) next.set(pid, t);
    }
    // A process gone (runc, a shim) was reaped by its parent, whose cutime now holds all of
    // its CPU: what was counted of it at the last read is not counted a second time there.
    const reaped = new Map<number, number>();
    for (const [pid, was] of this.seen)
      if (!next.has(pid)) reaped.set(was.ppid, (reaped.get(was.ppid) ?? 0) + was.ticks);
    for (const [pid, t] of next) {
      const was = this.seen.get(pid);
      const before = was?.ticks ?? (t.startMs >= bornAfterMs ? 0 : t.ticks);
      this.engineMs += Math.max(0, t.ticks - before - (reaped.get(pid) ?? 0)) * USER_HZ_MS;
    }
    this.seen = next;
  }

  /** The engine's processes now, by name. */
  private scan(): number[] {
    const uptime = Number((this.read(`${this.proc}/uptime`) ?? "").split(" ")[0]);
    if (Number.isFinite(uptime)) this.scannedAtUptimeMs = uptime * 1000;
    const names = new Set(this.opts.names ?? ENGINE_PROCESSES);
    let entries: string[];
    try {
      entries = (this.opts.list ?? readdirSync)(this.proc);
    } catch {
      return [];
    }
    const pids: number[] = [];
    for (const e of entries) {
      if (!/^\d+$/.test(e)) continue;
      const comm = this.read(`${this.proc}/${e}/comm`)?.trim();
      if (comm !== undefined && (names.has(comm) || ENGINE_PREFIXES.some((p) => comm.startsWith(p))))
        pids.push(Number(e));
    }
    return pids;
  }

  /** utime + stime + cutime + cstime (a reaped runc is its parent's), its parent, its start since boot. */
  private ticks(pid: number): { ticks: number; ppid: number; startMs: number } | undefined {
    const stat = this.read(`${this.proc}/${pid}/stat`);
    if (!stat) return undefined;
    const at = (n: number) => Number(procStatField(stat, n));
    const ticks = at(14) + at(15) + at(16) + at(17);
    return Number.isFinite(ticks) ? { ticks, ppid: at(4), startMs: at(22) * USER_HZ_MS } : undefined;
  }
}
