// Starts real InfluxDB 1.x (Debian's influxd) and VictoriaMetrics servers for tests:
// free 127.0.0.1 ports, a temp data dir each, readiness waited for with a deadline,
// stopped (and their dir removed) by stop(). A missing binary is a failure that says
// what to install, never a skip.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { freePort } from "./free-port.js";
import { tmpdir } from "node:os";
import path from "node:path";

export interface ServerHandle {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  dataDir: string;
  /** Stops the server for good and removes its data dir. */
  stop(): Promise<void>;
}

export interface InfluxdHandle extends ServerHandle {
  /** SIGTERM, wait for the exit; data dir and port are kept for restart(). */
  kill(): Promise<void>;
  /** Starts influxd again on the same port and data dir, and waits until it answers. */
  restart(): Promise<void>;
  /** GET /query with epoch=ms; resolves to the parsed JSON. */
  query(database: string, q: string): Promise<InfluxQueryResult>;
}

export interface InfluxQueryResult {
  results: {
    statement_id: number;
    error?: string;
    series?: { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[];
  }[];
  error?: string;
}

const INFLUXD = process.env.PLANCTON_TEST_INFLUXD ?? "/usr/bin/influxd";
const VICTORIA = process.env.PLANCTON_TEST_VICTORIA_METRICS ?? "/usr/bin/victoria-metrics";
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

function requireBinary(bin: string, pkg: string): void {
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: install Debian's ${pkg} package (npm run prepare-host does it)`);
  }
}

interface Proc {
  child: ChildProcess;
  log: () => string;
  exited: Promise<number | null>;
}

function launch(bin: string, args: string[], cwd: string): Proc {
  const child = spawn(bin, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let tail = "";
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString("utf8")).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      running.delete(child);
      resolve(code);
    });
    child.once("error", (e) => {
      keep(Buffer.from(String(e)));
      running.delete(child);
      resolve(null);
    });
  });
  return { child, log: () => tail, exited };
}

async function waitReady(name: string, proc: Proc, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let gone = false;
  void proc.exited.then(() => {
    gone = true;
  });
  while (Date.now() < deadline) {
    if (gone) throw new Error(`${name} exited before it was ready:\n${proc.log()}`);
    try {
      if (await probe()) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.child.kill("SIGKILL");
  throw new Error(`${name} did not answer within ${READY_TIMEOUT_MS} ms:\n${proc.log()}`);
}

async function terminate(proc: Proc | null): Promise<void> {
  if (proc === null || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill("SIGTERM");
  const timer = setTimeout(() => proc.child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await proc.exited;
  clearTimeout(timer);
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return { status: res.status, text: await res.text() };
}

/** A fresh influxd 1.x with an empty data dir; no database exists. */
export async function startInfluxd(): Promise<InfluxdHandle> {
  requireBinary(INFLUXD, "influxdb");
  const dataDir = await mkdtemp(path.join(tmpdir(), "plancton-influxd-"));
  const port = await freePort();
  const rpcPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = path.join(dataDir, "influxdb.conf");
  await writeFile(
    config,
    [
      "reporting-disabled = true",
      `bind-address = "127.0.0.1:${rpcPort}"`,
      "[meta]",
      `  dir = "${path.join(dataDir, "meta")}"`,
      "[data]",
      `  dir = "${path.join(dataDir, "data")}"`,
      `  wal-dir = "${path.join(dataDir, "wal")}"`,
      "  query-log-enabled = false",
      "[monitor]",
      "  store-enabled = false",
      "[http]",
      `  bind-address = "127.0.0.1:${port}"`,
      "  log-enabled = false",
      "[logging]",
      '  level = "warn"',
      "  suppress-logo = true",
      "",
    ].join("\n"),
  );
  let proc: Proc | null = null;
  const start = async (): Promise<void> => {
    proc = launch(INFLUXD, ["run", "-config", config], dataDir);
    await waitReady("influxd", proc, async () => (await get(`${url}/ping`)).status === 204);
  };
  await start();
  return {
    url,
    port,
    dataDir,
    kill: async () => {
      await terminate(proc);
      proc = null;
    },
    restart: start,
    query: async (database, q) => {
      const res = await get(`${url}/query?${new URLSearchParams({ db: database, epoch: "ms", q })}`);
      return JSON.parse(res.text) as InfluxQueryResult;
    },
    stop: async () => {
      await terminate(proc);
      proc = null;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh VictoriaMetrics (it accepts InfluxDB line protocol on /write and /api/v2/write). */
export async function startVictoriaMetrics(): Promise<ServerHandle> {
  requireBinary(VICTORIA, "victoria-metrics");
  const dataDir = await mkdtemp(path.join(tmpdir(), "plancton-vm-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = launch(
    VICTORIA,
    [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${path.join(dataDir, "data")}`,
      "-loggerLevel=ERROR",
      "-retentionPeriod=100y",
    ],
    dataDir,
  );
  await waitReady("victoria-metrics", proc, async () => {
    const r = await get(`${url}/health`);
    return r.status === 200 && r.text.trim() === "OK";
  });
  return {
    url,
    port,
    dataDir,
    stop: async () => {
      await terminate(proc);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
