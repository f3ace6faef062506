// A real Prometheus server (Debian's `prometheus`) for one test: on a free 127.0.0.1 port,
// a temp data dir, scraping the given targets every second; readiness waited for with a
// deadline; stop() ends it and removes its dir. Missing binary: a loud failure.
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./free-port.js";
import { waitFor } from "./wait.js";

export interface PrometheusHandle {
  url: string;
  /** An instant query's vector, at `atSeconds` (Unix seconds) or now. */
  query(q: string, atSeconds?: number): Promise<{ metric: Record<string, string>; value: number }[]>;
  stop(): Promise<void>;
}

export function requirePrometheus(): void {
  const r = spawnSync("prometheus", ["--version"], { stdio: "ignore" });
  if (r.error || r.status !== 0)
    throw new Error("prometheus is not installed: run `npm run prepare-host` (installs Debian's prometheus)");
}

/** targets: host:port of /metrics endpoints. */
export async function startPrometheus(targets: string[]): Promise<PrometheusHandle> {
  requirePrometheus();
  const dir = await mkdtemp(path.join(tmpdir(), "plancton-prometheus-"));
  const port = await freePort();
  const config = path.join(dir, "prometheus.yml");
  await writeFile(
    config,
    [
      "global: { scrape_interval: 1s, evaluation_interval: 1s }",
      "scrape_configs:",
      "  - job_name: plancton",
      `    static_configs: [{ targets: ${JSON.stringify(targets)} }]`,
      "",
    ].join("\n"),
  );
  const child = spawn(
    "prometheus",
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      `prometheus ready on ${url}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
        return (await fetch(`${url}/-/ready`)).ok;
      },
      30_000,
      200,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    stop,
    async query(q, atSeconds) {
      const params = new URLSearchParams({ query: q });
      if (atSeconds !== undefined) params.set("time", String(atSeconds));
      const res = await fetch(`${url}/api/v1/query?${params}`);
      const body = (await res.json()) as {
        status: string;
        error?: string;
        data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== "success") throw new Error(`query ${q}: ${body.error ?? res.status}`);
      return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
  };
}
