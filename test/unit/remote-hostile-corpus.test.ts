// A wide corpus of hostile remotes through the daemon's own remote pipeline (parse, limits,
// layering over a local file): every key of the schema, plus nested and unknown keys, with
// every odd value (aliases, deep nesting, huge keys and values, odd types). Whatever the
// input: only a ConfigError or a RemoteConfigError, a bounded message, and when a remote is
// accepted, nothing the local file did not allow.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LOCAL_ONLY_KEYS, REMOTE_NETWORK_MODES } from "../../src/config/remote/index.js";
import { MIN_CPUS_PER_DOCK, MIN_DOCK_MEM_BYTES, type Config } from "../../src/config/schema.js";
import {
  billionLaughs,
  CORPUS_KEYS,
  manyKeys,
  ODD_VALUES,
  remoteWith,
  throughRemotePipeline,
  type RemoteOutcome,
} from "../helpers/hostile-remotes.js";

const LOCAL = { docker_image: "site/pilot", container_prefix: "site-worker", main_sleep: 30 };

/** What a remote must never change, given LOCAL (no allow_remote_privileges). */
function assertNoEscalation(c: Config, what: string): void {
  assert.equal(c.docker_privileged, false, what);
  assert.ok(
    c.capabilities.every((x) => x.startsWith("-")),
    `${what}: capabilities ${c.capabilities.join(",")}`,
  );
  assert.deepEqual(
    [c.devices, c.binds, c.security_opts, c.disk_paths, c.influxdb],
    [[], [], [], [], []],
    what,
  );
  assert.equal(c.influxdb_url, null, what);
  assert.ok(REMOTE_NETWORK_MODES.includes(c.network_mode), `${what}: network_mode ${c.network_mode}`);
  assert.ok(
    c.user_group === "0:0" || /^[1-9]\d*:[1-9]\d*$/.test(c.user_group),
    `${what}: user_group ${c.user_group}`,
  );
  assert.equal(c.container_prefix, "site-worker", what);
  assert.equal(c.instance, null, what);
  assert.equal(c.config_url, null, what);
  assert.ok(c.cpus_per_dock >= MIN_CPUS_PER_DOCK && c.max_dock_mem >= MIN_DOCK_MEM_BYTES, what);
}

function check(text: string, what: string): RemoteOutcome {
  const out = throughRemotePipeline(text, LOCAL);
  if ("rejected" in out) {
    // At most 21 one-line problems of clipped key and message (a RemoteConfigError: MAX_REMOTE_ERROR_CHARS).
    assert.ok(out.rejected.split("\n").length <= 21, `${what}: ${out.rejected.split("\n").length} lines`);
    assert.ok(out.rejected.length < 20_000, `${what}: message of ${out.rejected.length} characters`);
  } else {
    assertNoEscalation(out.accepted, what);
  }
  return out;
}

test("every key with every odd value: bounded rejection or a harmless config", () => {
  let cases = 0;
  let accepted = 0;
  for (const key of CORPUS_KEYS) {
    for (const v of ODD_VALUES) {
      const out = check(remoteWith(key, v.yaml), `${key.slice(0, 40)} = ${v.name}`);
      cases++;
      if ("accepted" in out) accepted++;
    }
  }
  assert.ok(cases > 1000, `${cases} cases`);
  assert.ok(accepted > 0 && accepted < cases, `${accepted} of ${cases} accepted`);
});

test("a billion-laughs alias under every key (and nested keys) is refused as an alias bomb", () => {
  const nested = [
    "influxdb: [{url: *l8, bucket: b}]",
    "devices: [{PathOnHost: *l8}]",
    "config_git: {pull_every: *l8}",
    "docker_env: {A: *l8}",
  ];
  for (const key of CORPUS_KEYS) {
    const out = check(billionLaughs(key), `bomb under ${key.slice(0, 40)}`);
    assert.ok("rejected" in out && /alias bomb/.test(out.rejected), key.slice(0, 40));
  }
  for (const line of nested) {
    const out = check(`${billionLaughs("unused").split("\n").slice(0, 9).join("\n")}\n${line}\n`, line);
    assert.ok("rejected" in out && /alias bomb/.test(out.rejected), line);
  }
});

test("structural attacks: many keys, deep nesting, huge keys and values, recursion, empty and odd documents", () => {
  const cases: [string, string, RegExp][] = [
    ["20k unknown keys", manyKeys(20_000), /keys, values and list items/],
    [
      "3000 list items",
      `docker_env: [${Array(3000).fill('"A=1"').join(",")}]\n`,
      /keys, values and list items|more than 2000/,
    ],
    ["nesting 10 deep", `docker_env: ${"{a: ".repeat(10)}1${"}".repeat(10)}\n`, /nested more than/],
    ["nesting 5000 deep", `docker_env: ${"[".repeat(5000)}${"]".repeat(5000)}\n`, /nested deeper than/],
    ["a recursive alias", "docker_env: &x {a: *x}\n", /recursive alias/],
    ["a 900 KB key", `${"k".repeat(900_000)}: 1\n`, /key of 900000 characters/],
    ["a 900 KB network name", `network_mode: "${"x".repeat(900_000)}"\n`, /network_mode.*900000 characters/s],
    [
      "a 200 KB environment value",
      `docker_env: {TOKEN: "${"x".repeat(200_000)}"}\n`,
      /docker_env\.TOKEN.*200000 characters/s,
    ],
    ["a list at the top", "- a\n- b\n", /must be a map/],
    ["a scalar", "just text\n", /must be a map/],
    ["tabs and garbage", "\t\u0000: [\n", /invalid YAML/],
  ];
  for (const [what, text, re] of cases) {
    const out = check(text, what);
    assert.ok("rejected" in out, what);
    assert.match(out.rejected, re, what);
  }
});

test("every local-only key is refused from a remote whatever its value, even with allow_remote_privileges", () => {
  for (const key of LOCAL_ONLY_KEYS) {
    for (const v of ODD_VALUES) {
      const out = throughRemotePipeline(remoteWith(key, v.yaml), { ...LOCAL, allow_remote_privileges: true });
      assert.ok("rejected" in out, `${key} = ${v.name}`);
    }
  }
});
