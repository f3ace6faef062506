// `planctonctl config check` on every shipped example and on broken files, built CLI.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { planctonctl } from "../helpers/cli.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const examples = readdirSync(path.join(ROOT, "conf-examples")).filter((f) => f.endsWith(".yaml"));

test("every file in conf-examples/ is valid", async () => {
  assert.ok(examples.length >= 3, examples.join(","));
  for (const f of examples) {
    const r = await planctonctl(["config", "check", path.join(ROOT, "conf-examples", f)]);
    assert.equal(r.code, 0, `${f}: ${r.stderr}`);
    assert.match(r.stdout, /max_docks +.* = \d+ on this host/);
  }
});

const BROKEN: Record<string, RegExp> = {
  "bad-yaml.yaml": /bad-yaml\.yaml:4:\d+: invalid YAML/,
  "wrong-type.yaml": /wrong-type\.yaml:4:1: main_sleep: "thirty seconds" is not a duration/,
  "bad-expression.yaml": /bad-expression\.yaml:2:1: max_docks: .*column/,
  "unknown-variable.yaml":
    /unknown-variable\.yaml:3:1: max_docks: unknown variable "ncpu".*did you mean ncpus/,
  "negative-duration.yaml": /negative-duration\.yaml:2:1: grace_spawn: /,
  "bad-device.yaml": /bad-device\.yaml:4:\d+: devices\[1\]/,
  "unknown-policy-variable.yaml":
    /unknown-policy-variable\.yaml:1:1: spawn_when: unknown variable "cpu_ownr_5m"/,
  "engine-socket.yaml":
    /engine-socket\.yaml:4:\d+: binds\[0\]: .*container engine's socket.*set allow_engine_socket: true in the local config\.yaml/,
};

test("broken files fail with exit 2, naming the file, line and key", async () => {
  for (const [file, re] of Object.entries(BROKEN)) {
    const r = await planctonctl(["config", "check", path.join(ROOT, "test/fixtures/broken", file)]);
    assert.equal(r.code, 2, `${file} should be invalid: ${r.stdout}`);
    assert.match(r.stderr, re, file);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  }
});

test("--json gives machine output; a missing default file means the defaults", async () => {
  const ok = JSON.parse(
    (await planctonctl(["config", "check", "--json", path.join(ROOT, "conf-examples/dryrun.yaml")])).stdout,
  ) as { valid: boolean; maxDocks: number; sources: Record<string, string> };
  assert.equal(ok.valid, true);
  assert.equal(ok.sources.docker_image, "local");
  assert.equal(ok.sources.influxdb_url, "default");
  const bad = await planctonctl([
    "config",
    "check",
    "--json",
    path.join(ROOT, "test/fixtures/broken/wrong-type.yaml"),
  ]);
  assert.equal(bad.code, 2);
  assert.equal((JSON.parse(bad.stdout) as { errors: { key: string; line: number }[] }).errors[0]!.line, 4);
  const none = await planctonctl(["--confdir", "/nonexistent", "config", "check"]);
  assert.equal(none.code, 0);
  assert.match(none.stdout, /absent: the defaults apply/);
});

test("a git-pulled config that grants privileges without signed commits: a warning, exit 0", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "plancton-check-git-"));
  try {
    const file = path.join(dir, "config.yaml");
    await writeFile(file, 'main_sleep: 10\nconfig_git: {pull_every: 10m}\nbinds: ["/cvmfs:/cvmfs:ro"]\n');
    const r = await planctonctl(["config", "check", file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /^warning: .*config\.yaml:2:1: config_git: this git-pulled config grants host privileges \(binds: .*set config_git\.allowed_signers/m,
    );
    await writeFile(
      file,
      'config_git: {pull_every: 10m, allowed_signers: signers}\nbinds: ["/cvmfs:/cvmfs:ro"]\n',
    );
    assert.doesNotMatch((await planctonctl(["config", "check", file])).stderr, /config_git:/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
