// Hostile config texts, for the unit tests, the daemon corpus and bench/config.bench.ts.
import assert from "node:assert/strict";
import { ConfigError } from "../../src/config/errors.js";
import { layerConfig } from "../../src/config/remote/layers.js";
import {
  assertRemoteAllowed,
  LOCAL_ONLY_KEYS,
  REMOTE_KEY_RULES,
  REMOTE_NETWORK_MODES,
} from "../../src/config/remote/privileges.js";
import { parseRemoteText, RemoteConfigError } from "../../src/config/remote/remote-error.js";
import { CONFIG_KEYS, type Config } from "../../src/config/schema.js";

/** The classic billion laughs under `key`: 9 levels of 9 aliases, ~10^9 strings once walked, < 400 bytes. */
export function billionLaughs(key: string): string {
  const lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++)
    lines.push(
      `l${i}: &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(",")}]`,
    );
  return `${lines.join("\n")}\n${key}: *l8\n`;
}

/** `n` unknown keys, one a line. */
export function manyKeys(n: number): string {
  return Array.from({ length: n }, (_, i) => `unknown_key_${i}: ${i}`).join("\n") + "\n";
}

/** Odd values, as YAML, for every key: types the schema does not expect, huge, deep, aliased. */
export const ODD_VALUES: readonly { name: string; yaml: string }[] = [
  { name: "true", yaml: "true" },
  { name: "false", yaml: "false" },
  { name: "0", yaml: "0" },
  { name: "-1", yaml: "-1" },
  { name: "1e308", yaml: "1e308" },
  { name: "1e-9", yaml: "1.0e-9" },
  { name: ".nan", yaml: ".nan" },
  { name: ".inf", yaml: ".inf" },
  { name: "empty string", yaml: '""' },
  { name: "null", yaml: "null" },
  { name: "host", yaml: "host" },
  { name: "root", yaml: "root" },
  { name: "container:x", yaml: '"container:x"' },
  { name: "a list of odd things", yaml: '[null, 1, true, {a: 1}, [2], "+SYS_ADMIN", "/:/host:rw"]' },
  { name: "an empty list", yaml: "[]" },
  { name: "a map", yaml: "{toString: 1, valueOf: 2, __proto__: 3, constructor: 4}" },
  { name: "a timestamp", yaml: "2024-01-01T00:00:00Z" },
  { name: "binary", yaml: "!!binary aGVsbG8=" },
  { name: "a set", yaml: "!!set {a, b}" },
  { name: "a long string", yaml: `"${"x".repeat(200_000)}"` },
  { name: "a long key map", yaml: `{${"k".repeat(200_000)}: 1}` },
  { name: "deep lists", yaml: `${"[".repeat(30)}${"]".repeat(30)}` },
  { name: "too deep", yaml: `${"[".repeat(5000)}${"]".repeat(5000)}` },
  { name: "a wide list", yaml: `[${Array(50_000).fill("1").join(",")}]` },
  { name: "a bomb", yaml: "*l8" },
];

/** `key: value`, with the billion-laughs anchors above it when the value is the alias *l8. */
export function remoteWith(key: string, valueYaml: string): string {
  if (!valueYaml.includes("*l8")) return `${key}: ${valueYaml}\n`;
  return `${billionLaughs("unused_bomb_key").split("\n").slice(0, 9).join("\n")}\n${key}: ${valueYaml}\n`;
}

/** Every key of the schema, a nested one of each map, and keys that do not exist. */
export const CORPUS_KEYS: readonly string[] = [...CONFIG_KEYS, "no_such_key", "k".repeat(100_000)];

/** The baseline remote's keys (minus `key`), then `key: value` when given. */
export function withBaseline(baseline: Record<string, string>, key?: string, valueYaml?: string): string {
  const base = Object.entries(baseline)
    .filter(([k]) => k !== key)
    .map(([k, v]) => `${k}: ${v}\n`)
    .join("");
  return key === undefined ? base : `${base}${remoteWith(key, valueYaml as string)}`;
}

/**
 * The corpus served to the real daemon: every privilege-bearing key (and the resource caps
 * and an env map) with every odd value over the baseline, every local-only key naming the
 * test's own server (a metrics target would write to it), an alias bomb under every key,
 * and structural attacks.
 */
export function hostileCorpus(
  serverBase: string,
  over: (key?: string, valueYaml?: string) => string,
): { name: string; body: string }[] {
  const privileged = REMOTE_KEY_RULES.filter((r) => r.rule === "privileged").map((r) => r.key);
  const cases: { name: string; body: string }[] = [];
  for (const key of [...privileged, "cpus_per_dock", "max_dock_mem", "max_dock_swap", "docker_env"]) {
    for (const v of ODD_VALUES) cases.push({ name: `${key} = ${v.name}`, body: over(key, v.yaml) });
  }
  for (const key of LOCAL_ONLY_KEYS) {
    cases.push({ name: `${key} (local-only) = a string`, body: over(key, `"${serverBase}#x"`) });
    cases.push({
      name: `${key} (local-only) = a list`,
      body: over(key, `[{url: "${serverBase}", bucket: b}]`),
    });
  }
  for (const key of [...CONFIG_KEYS, "no_such_key"])
    cases.push({ name: `alias bomb under ${key}`, body: billionLaughs(key) });
  cases.push({ name: "20k unknown keys", body: manyKeys(20_000) });
  cases.push({ name: "a 900 KB key", body: `${over()}${"k".repeat(900_000)}: 1\n` });
  cases.push({ name: "nesting 5000 deep", body: `docker_env: ${"[".repeat(5000)}${"]".repeat(5000)}\n` });
  cases.push({ name: "a recursive alias", body: "docker_env: &x {a: *x}\n" });
  return cases;
}

export type RemoteOutcome = { accepted: Config } | { rejected: string };

/** The daemon's remote pipeline, run in the test: parse, limits, layering over `local`. */
export function throughRemotePipeline(
  text: string,
  local: Record<string, unknown>,
  url = "https://conf.example/p.yaml",
): RemoteOutcome {
  try {
    const raw = parseRemoteText(text, url);
    assertRemoteAllowed(raw, local, url, text);
    return {
      accepted: layerConfig(
        { remote: raw, local, remoteText: text, remoteName: url },
        "/etc/plancton/config.yaml",
      ).config,
    };
  } catch (err) {
    if (err instanceof ConfigError || err instanceof RemoteConfigError) return { rejected: err.message };
    throw err;
  }
}

/** A launched pilot as the engine reports it (docker inspect). */
export interface InspectedPilot {
  User: string;
  HostConfig: Record<string, unknown>;
  Labels: Record<string, string>;
}

/** Nothing a local file without allow_remote_privileges did not allow: the engine's view of one pilot. */
export function assertPilotNotEscalated(p: InspectedPilot, instance: string, what: string): void {
  const hc = p.HostConfig as {
    Privileged?: boolean;
    CapAdd?: string[] | null;
    Devices?: unknown[] | null;
    Binds?: string[] | null;
    NetworkMode?: string;
    SecurityOpt?: string[] | null;
    CpuQuota?: number;
    Memory?: number;
  };
  assert.equal(hc.Privileged, false, what);
  assert.deepEqual(
    [hc.CapAdd ?? [], hc.Devices ?? [], hc.Binds ?? [], hc.SecurityOpt ?? []],
    [[], [], [], []],
    what,
  );
  assert.ok(REMOTE_NETWORK_MODES.includes(hc.NetworkMode ?? ""), `${what}: NetworkMode ${hc.NetworkMode}`);
  assert.ok(
    (hc.CpuQuota ?? 0) >= 1000 && (hc.Memory ?? 0) >= 6 * 1024 * 1024,
    `${what}: CpuQuota ${hc.CpuQuota}, Memory ${hc.Memory}`,
  );
  assert.ok(p.User === "0:0" || /^[1-9]\d*:[1-9]\d*$/.test(p.User), `${what}: User ${p.User}`);
  assert.equal(p.Labels["org.plancton.instance"], instance, `${what}: the local instance`);
}
