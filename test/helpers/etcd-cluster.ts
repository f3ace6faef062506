// A real etcd cluster (Debian's etcd-server, installed by scripts/prepare-etcd.sh) on
// free 127.0.0.1 ports in a temp directory, started and stopped by the test or the
// benchmark. Members can be killed and started again; every process is ours by PID.
import { spawn, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import os from "node:os";
import path from "node:path";
import { freePort } from "./free-port.js";
import { waitFor } from "./wait.js";

export function requireEtcd(): void {
  try {
    execFileSync("etcd", ["--version"], { stdio: "ignore" });
  } catch {
    throw new Error(
      "etcd is not installed: run `bash scripts/prepare-etcd.sh` (as root: it installs Debian's etcd-server and etcd-client)",
    );
  }
}

/** Client TLS for the members: server cert/key, and the CA client certificates must be signed by. */
export interface EtcdTls {
  certFile: string;
  keyFile: string;
  caFile: string;
  clientCertFile: string;
  clientKeyFile: string;
}

interface Member {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  proc?: ChildProcess;
  log: string[];
}

export class EtcdCluster {
  private constructor(
    private readonly dir: string,
    readonly members: Member[],
    private readonly tls?: EtcdTls,
  ) {}

  static async start(size = 3, tls?: EtcdTls): Promise<EtcdCluster> {
    requireEtcd();
    const dir = await mkdtemp(path.join(os.tmpdir(), "plancton-etcd-"));
    const members: Member[] = [];
    for (let i = 0; i < size; i++)
      members.push({
        name: `m${i}`,
        clientPort: await freePort(),
        peerPort: await freePort(),
        dataDir: path.join(dir, `m${i}`),
        log: [],
      });
    const c = new EtcdCluster(dir, members, tls);
    try {
      for (let i = 0; i < size; i++) c.startMember(i);
      await c.waitHealthy();
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  /** Client URLs of every member (or of the members given by index). */
  endpoints(only?: number[]): string[] {
    return this.members
      .filter((_, i) => only === undefined || only.includes(i))
      .map((m) => `${this.scheme}://127.0.0.1:${m.clientPort}`);
  }

  private get scheme(): string {
    return this.tls ? "https" : "http";
  }

  startMember(i: number): void {
    const m = this.members[i]!;
    const cluster = this.members.map((x) => `${x.name}=http://127.0.0.1:${x.peerPort}`).join(",");
    // Long heartbeat and election times: this machine is loaded, leader elections must not flap.
    m.proc = spawn(
      "etcd",
      [
        "--name",
        m.name,
        "--data-dir",
        m.dataDir,
        "--listen-client-urls",
        `${this.scheme}://127.0.0.1:${m.clientPort}`,
        "--advertise-client-urls",
        `${this.scheme}://127.0.0.1:${m.clientPort}`,
        ...(this.tls
          ? [
              "--cert-file",
              this.tls.certFile,
              "--key-file",
              this.tls.keyFile,
              "--client-cert-auth",
              "--trusted-ca-file",
              this.tls.caFile,
            ]
          : []),
        "--listen-peer-urls",
        `http://127.0.0.1:${m.peerPort}`,
        "--initial-advertise-peer-urls",
        `http://127.0.0.1:${m.peerPort}`,
        "--initial-cluster",
        cluster,
        "--initial-cluster-state",
        "new",
        "--initial-cluster-token",
        path.basename(this.dir),
        "--heartbeat-interval",
        "200",
        "--election-timeout",
        "3000",
        "--log-level",
        "warn",
        "--logger",
        "zap",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    m.proc.stderr?.on("data", (b: Buffer) =>
      m.log.push(...b.toString("utf8").split("\n").filter(Boolean).slice(-50)),
    );
  }

  /** Index of the member that is the leader now (asked of each running member's status). */
  async leaderIndex(): Promise<number> {
    for (const m of this.members) {
      if (!m.proc || this.tls) continue;
      const r = await fetch(`http://127.0.0.1:${m.clientPort}/v3/maintenance/status`, {
        method: "POST",
        body: "{}",
        signal: AbortSignal.timeout(2000),
      }).then((x) => x.json() as Promise<{ header?: { member_id?: string }; leader?: string }>);
      const i = this.members.indexOf(m);
      if (r.leader !== undefined && r.leader === r.header?.member_id) return i;
    }
    throw new Error("no member says it is the leader");
  }

  pid(i: number): number | undefined {
    return this.members[i]?.proc?.pid;
  }

  /** SIGKILLs a member (its data stays: startMember brings it back). */
  async killMember(i: number): Promise<void> {
    const p = this.members[i]?.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill("SIGKILL");
    await exited;
    this.members[i]!.proc = undefined;
  }

  /** Every member that runs answers /health (a leader is elected). */
  async waitHealthy(timeoutMs = 60_000): Promise<void> {
    const live = this.members.filter((m) => m.proc !== undefined);
    await waitFor(
      `etcd members ${live.map((m) => m.name).join(",")} healthy`,
      async () => {
        for (const m of live) {
          if (m.proc?.exitCode !== null && m.proc?.exitCode !== undefined)
            throw new Error(`etcd ${m.name} exited: ${m.log.slice(-5).join(" | ")}`);
          if (!(await this.healthy(m.clientPort))) return false;
        }
        return true;
      },
      timeoutMs,
      200,
    );
  }

  private async healthy(port: number): Promise<boolean> {
    const body = this.tls
      ? await httpsGet(port, this.tls)
      : await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.text(),
          () => "",
        );
    try {
      return String((JSON.parse(body) as { health?: string }).health).startsWith("true");
    } catch {
      return false;
    }
  }

  async stopAll(): Promise<void> {
    for (let i = 0; i < this.members.length; i++) await this.killMember(i);
  }

  async stop(): Promise<void> {
    await this.stopAll();
    await rm(this.dir, { recursive: true, force: true });
  }
}

function httpsGet(port: number, tls: EtcdTls): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/health",
        ca: readFileSync(tls.caFile),
        cert: readFileSync(tls.clientCertFile),
        key: readFileSync(tls.clientKeyFile),
        timeout: 2000,
      },
      (res) => {
        let body = "";
        res.on("data", (b: Buffer) => (body += b.toString("utf8")));
        res.on("end", () => resolve(body));
      },
    );
    req.on("error", () => resolve(""));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}
