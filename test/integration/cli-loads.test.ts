// What the built planctonctl loads to start. A command that needs neither the engine nor
// etcd loads neither client: every command once loaded dockerode (with ssh2, grpc-js,
// protobufjs) through one re-exported formatter, 0.22 s and 70 MB before it did anything.
// The modules are seen by a preloaded hook on Node's CommonJS loader (the ESM loader hands
// CommonJS packages to it); `status` with no daemon asks Docker, so it must show dockerode.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import { BIN } from "../helpers/cli.js";

const run = promisify(execFile);
const HEAVY = /node_modules\/(dockerode|@grpc|protobufjs|etcd3|ssh2)\//;
let dir: string;
let hook: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "plancton-cli-loads-"));
  hook = path.join(dir, "hook.cjs");
  await writeFile(
    hook,
    'const M = require("node:module"); const load = M._load; const seen = new Set();\n' +
      "M._load = function (request, parent, isMain) {\n" +
      "  try { seen.add(M._resolveFilename(request, parent, isMain)); } catch {}\n" +
      "  return load.apply(this, arguments);\n" +
      "};\n" +
      'process.on("exit", () => process.stderr.write("@@loaded " + JSON.stringify([...seen]) + "\\n"));\n',
  );
  await writeFile(path.join(dir, "config.yaml"), "max_docks: 1\n");
});
after(() => rm(dir, { recursive: true, force: true }));

/** The heavy packages a planctonctl command loaded. */
async function heavyLoaded(args: string[]): Promise<string[]> {
  const paths = ["config.yaml", "run", "log", "none.pid"].map((f) => path.join(dir, f));
  const flags = ["--config", "--rundir", "--logdir", "--pidfile"].flatMap((f, i) => [f, paths[i]!]);
  const r = await run(process.execPath, ["-r", hook, BIN, ...flags, ...args], { timeout: 60_000 }).catch(
    (err: { stderr?: string }) => ({ stderr: err.stderr ?? "" }),
  );
  const line = r.stderr.split("\n").find((l) => l.startsWith("@@loaded "));
  assert.ok(line, `the hook reported nothing: ${r.stderr.slice(0, 500)}`);
  const loaded = JSON.parse(line.slice("@@loaded ".length)) as string[];
  const names = loaded.map((f) => HEAVY.exec(f)?.[1]).filter((n): n is string => n !== undefined);
  return [...new Set(names)].sort();
}

test("--version, report and history load no engine or etcd client", async () => {
  for (const args of [["--version"], ["report", "--since", "30d"], ["history"]])
    assert.deepEqual(await heavyLoaded(args), [], `planctonctl ${args.join(" ")}`);
});

test("the hook sees a client where one is needed: status with no daemon asks Docker", async () => {
  assert.ok((await heavyLoaded(["status"])).includes("dockerode"));
});
