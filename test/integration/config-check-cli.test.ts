// `planctonctl config check` on every shipped example and on broken files, built CLI.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
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
