// The single-host path (no `fleet` key) loads no etcd client: a child process records
// every module it resolves. The same child with a `fleet` key does load etcd3, so the
// test can fail.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");

// Resolve hook (runs in the loader thread): appends every resolved URL to $RECORD_TO.
const HOOKS = `import { appendFileSync } from "node:fs";
export async function resolve(spec, ctx, next) { const r = await next(spec, ctx); appendFileSync(process.env.RECORD_TO, r.url + "\\n"); return r; }`;
const REGISTER = `import { register } from "node:module"; register("data:text/javascript,${encodeURIComponent(HOOKS)}");`;

// What the daemon and planctonctl load, then the daemon's fleet set-up on the given config.
const CHILD = `
const { Daemon } = await import("./src/daemon/daemon.ts");
await import("./src/daemon/process/run-foreground.ts");
const { main } = await import("./src/cli/planctonctl.ts");
const { DaemonFleet } = await import("./src/daemon/owners/fleet-link.ts");
const { parseConfigText } = await import("./src/config/parse.ts");
void Daemon;
await main(["node", "planctonctl", "--help"]);
const config = parseConfigText(process.env.CONFIG_TEXT, "config.yaml").config;
const log = { info() {}, warn() {}, error() {} };
const f = new DaemonFleet({ rundir: process.env.RUNDIR, hostname: "h", logger: log, snapshot: () => { throw new Error("no snapshot"); } });
await f.configure(config);
await f.stop();
`;

async function resolvedBy(configText: string): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "plancton-lazy-"));
  try {
    const record = path.join(dir, "resolved.txt");
    await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "--import",
        `data:text/javascript,${encodeURIComponent(REGISTER)}`,
        "--input-type=module",
        "-e",
        CHILD,
      ],
      {
        cwd: ROOT,
        timeout: 60_000,
        env: { ...process.env, RECORD_TO: record, CONFIG_TEXT: configText, RUNDIR: path.join(dir, "run") },
      },
    );
    return (await readFile(record, "utf8")).split("\n").filter(Boolean);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const etcdModules = (urls: string[]) =>
  urls.filter(
    (u) => /node_modules\/(etcd3|@grpc)\//.test(u) || /src\/fleet\/(etcd-client|fleet-agent)\./.test(u),
  );

test("no fleet key: neither etcd3, gRPC nor the fleet agent is loaded", async () => {
  const urls = await resolvedBy("log_level: info\n");
  assert.ok(
    urls.some((u) => u.includes("src/daemon/daemon.ts")),
    "the recorder saw the daemon load",
  );
  assert.deepEqual(etcdModules(urls), []);
});

test("with a fleet key the daemon loads etcd3 (the recorder sees it)", async () => {
  // 127.0.0.1:9 (discard): nothing answers, the agent only tries to register.
  const urls = await resolvedBy("fleet:\n  etcd: [http://127.0.0.1:9]\n");
  assert.ok(
    etcdModules(urls).some((u) => u.includes("node_modules/etcd3/")),
    etcdModules(urls).join("\n"),
  );
});
