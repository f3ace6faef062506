// `planctonctl nodaemon` from the BUILT cli (npm run build first) as a separate process,
// as systemd runs it: its JSON log lines (stderr) kept, its status read from its status
// socket, SIGKILL and SIGTERM sent by the test.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { queryStatus, STATUS_SOCKET } from "../../src/daemon/report/status-server.js";
import type { StatusSnapshot } from "../../src/daemon/report/status.js";
import { BIN } from "../helpers/cli.js";
import { waitFor } from "../helpers/wait.js";

export const BUILT_CLI = path.resolve(path.dirname(BIN), "../dist/src/cli/planctonctl.js");

export interface DaemonDirs {
  configFile: string;
  rundir: string;
  logdir: string;
  pidfile: string;
}

export function requireBuiltCli(): void {
  if (!existsSync(BUILT_CLI))
    throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` before the fault suite`);
}

export class DaemonProcess {
  readonly child: ChildProcess;
  /** Every log line (pino JSON on stderr, anything else kept as {msg: line}). */
  readonly lines: { level?: number; msg: string; [k: string]: unknown }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitState?: { code: number | null; signal: NodeJS.Signals | null };

  private constructor(readonly dirs: DaemonDirs) {
    const args = [
      BIN,
      "--config",
      dirs.configFile,
      "--rundir",
      dirs.rundir,
      "--logdir",
      dirs.logdir,
      "--pidfile",
      dirs.pidfile,
      "nodaemon",
    ];
    this.child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let rest = "";
    const onData = (chunk: Buffer) => {
      rest += chunk.toString("utf8");
      const parts = rest.split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) {
        if (line.trim() === "") continue;
        try {
          this.lines.push(JSON.parse(line) as { msg: string });
        } catch {
          this.lines.push({ msg: line });
        }
      }
    };
    this.child.stderr?.on("data", onData);
    this.child.stdout?.on("data", onData);
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exitState = { code, signal };
        resolve(this.exitState);
      });
    });
  }

  /** Spawns the daemon (it may not answer yet: see ready()). */
  static spawn(dirs: DaemonDirs): DaemonProcess {
    requireBuiltCli();
    return new DaemonProcess(dirs);
  }

  /** Spawns the daemon and waits until its status socket answers. */
  static async start(dirs: DaemonDirs, timeoutMs = 30_000): Promise<DaemonProcess> {
    const d = DaemonProcess.spawn(dirs);
    await d.ready(timeoutMs);
    return d;
  }

  /** Waits until the status socket answers (the daemon has started and made its first reconciliation). */
  async ready(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      "the daemon's status socket to answer",
      async () => {
        if (this.exitState)
          throw new Error(`the daemon exited (${JSON.stringify(this.exitState)}) before answering`);
        return (await this.status()) !== undefined;
      },
      timeoutMs,
      100,
    ).catch((err: Error) => {
      this.child.kill("SIGKILL");
      throw new Error(`${err.message}\n${this.tail()}`);
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.exitState === undefined;
  }

  /** Messages of the log lines matching re. */
  logged(re: RegExp): string[] {
    return this.lines.map((l) => String(l.msg ?? "")).filter((m) => re.test(m));
  }

  /** The last log lines, for failure messages. */
  tail(n = 30): string {
    return this.lines
      .slice(-n)
      .map((l) => String(l.msg))
      .join("\n");
  }

  async status(): Promise<StatusSnapshot | undefined> {
    try {
      return await queryStatus<StatusSnapshot>(path.join(this.dirs.rundir, STATUS_SOCKET), "/status", 3000);
    } catch {
      return undefined;
    }
  }

  /** Resolves after the daemon has completed `n` more reconciliations (its lastTick moved n times). */
  async ticks(n: number, timeoutMs = 30_000): Promise<void> {
    const seen = new Set<number>();
    const first = (await this.status())?.lastTick?.atMs;
    await waitFor(
      `${n} more ticks of the daemon (PID ${this.pid})`,
      async () => {
        if (!this.alive) throw new Error(`the daemon exited: ${JSON.stringify(this.exitState)}`);
        const at = (await this.status())?.lastTick?.atMs;
        if (at !== undefined && at !== first) seen.add(at);
        return seen.size >= n;
      },
      timeoutMs,
      100,
    );
  }

  kill(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  /** SIGTERM, and SIGKILL if it has not exited within timeoutMs; resolves to how it exited. */
  async stop(timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.alive) return this.exitState!;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    const r = await this.exited;
    clearTimeout(timer);
    return r;
  }
}
