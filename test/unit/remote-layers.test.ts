import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../src/config/errors.js";
import { layerConfig } from "../../src/config/remote/layers.js";
import { defaultConfig } from "../../src/config/schema.js";

const F = "/etc/plancton/config.yaml";
const URL_ = "https://conf.example.org/plancton.yaml";

function rejected(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a ConfigError");
}

test("no layer sets anything: the defaults, every key from 'default'", () => {
  const l = layerConfig({ local: {} }, F);
  assert.deepEqual(l.config, defaultConfig());
  assert.ok(Object.values(l.sources).every((s) => s === "default"));
  assert.equal(l.sources.main_sleep, "default");
});

test("defaults < remote < local, key by key", () => {
  const l = layerConfig(
    {
      remote: { main_sleep: "5m", docker_image: "site/pilot:1", grace_kill: 10 },
      local: { main_sleep: 7, max_ttl: "1h" },
    },
    F,
  );
  assert.equal(l.config.main_sleep, 7);
  assert.equal(l.config.docker_image, "site/pilot:1");
  assert.equal(l.config.grace_kill, 10);
  assert.equal(l.config.max_ttl, 3600);
  assert.equal(l.config.grace_spawn, 60);
  assert.equal(l.sources.main_sleep, "local");
  assert.equal(l.sources.docker_image, "remote");
  assert.equal(l.sources.grace_kill, "remote");
  assert.equal(l.sources.max_ttl, "local");
  assert.equal(l.sources.grace_spawn, "default");
  assert.deepEqual(l.raw, { main_sleep: 7, docker_image: "site/pilot:1", grace_kill: 10, max_ttl: "1h" });
});

test("a key the local file sets wins whole: lists and maps are not merged", () => {
  const l = layerConfig(
    {
      remote: { binds: ["/cvmfs:/cvmfs:ro", "/etc/grid:/etc/grid:ro"], docker_env: { A: "1", B: "2" } },
      local: { binds: [], docker_env: { C: "3" } },
    },
    F,
  );
  assert.deepEqual(l.config.binds, []);
  assert.deepEqual(l.config.docker_env, { C: "3" });
  assert.equal(l.sources.binds, "local");
});

test("the remote's durations and sizes get their units", () => {
  const l = layerConfig({ remote: { max_dock_mem: "512MiB", updateconfig: "2m" }, local: {} }, F);
  assert.equal(l.config.max_dock_mem, 512 * 1024 * 1024);
  assert.equal(l.config.updateconfig, 120);
});

test("local-only keys are never taken from the remote", () => {
  const l = layerConfig(
    {
      remote: {
        config_url: "https://evil.example/x.yaml",
        allow_remote_privileges: true,
        allow_insecure_http: true,
        config_url_every: 1,
        config_git: { pull_every: 1 },
      },
      local: {},
    },
    F,
  );
  assert.equal(l.config.config_url, null);
  assert.equal(l.config.allow_remote_privileges, false);
  assert.equal(l.config.allow_insecure_http, false);
  assert.equal(l.config.config_url_every, 300);
  assert.equal(l.config.config_git, null);
  for (const k of [
    "config_url",
    "allow_remote_privileges",
    "allow_insecure_http",
    "config_url_every",
    "config_git",
  ])
    assert.equal(l.sources[k], "default", k);
});

test("an invalid remote value is reported against the remote, with the remote's line", () => {
  const remoteText = "docker_image: site/pilot\nmain_sleep: soon\n";
  const err = rejected(() =>
    layerConfig(
      {
        remote: { docker_image: "site/pilot", main_sleep: "soon" },
        local: { grace_kill: 5 },
        remoteName: URL_,
        remoteText,
        localText: "grace_kill: 5\n",
      },
      F,
    ),
  );
  assert.equal(err.file, URL_);
  assert.equal(err.problems[0]?.key, "main_sleep");
  assert.equal(err.problems[0]?.line, 2);
  assert.match(
    err.message,
    /^https:\/\/conf\.example\.org\/plancton\.yaml:2:1: main_sleep: "soon" is not a duration/,
  );
});

test("an invalid local value is reported against the local file, with its line", () => {
  const err = rejected(() =>
    layerConfig(
      {
        remote: { docker_image: "site/pilot" },
        local: { grace_kill: -1 },
        remoteName: URL_,
        localText: "# site\ngrace_kill: -1\n",
      },
      F,
    ),
  );
  assert.equal(err.file, F);
  assert.equal(err.problems[0]?.line, 2);
});

test("problems in both layers: the local file's name, remote ones say where they came from", () => {
  const err = rejected(() =>
    layerConfig(
      {
        remote: { docks_per_loop: 0 },
        local: { grace_kill: -1 },
        remoteName: URL_,
        remoteText: "docks_per_loop: 0\n",
        localText: "grace_kill: -1\n",
      },
      F,
    ),
  );
  assert.equal(err.file, F);
  const remote = err.problems.find((p) => p.key === "docks_per_loop");
  assert.ok(remote);
  assert.equal(remote.line, undefined, "a remote line must not be shown as a line of the local file");
  assert.match(remote.message, /\(from https:\/\/conf\.example\.org\/plancton\.yaml:1\)$/);
});

test("a remote expression is checked like a local one", () => {
  const err = rejected(() =>
    layerConfig({ remote: { max_docks: "ncpus -" }, local: {}, remoteName: URL_ }, F),
  );
  assert.equal(err.file, URL_);
  assert.equal(err.problems[0]?.key, "max_docks");
});

test("an unknown key in the remote is a warning that names the remote", () => {
  const l = layerConfig(
    { remote: { main_slep: 5 }, local: {}, remoteName: URL_, remoteText: "main_slep: 5\n" },
    F,
  );
  assert.equal(l.warnings.length, 1);
  assert.equal(l.warnings[0]?.key, "main_slep");
  assert.equal(l.warnings[0]?.line, undefined);
  assert.match(
    l.warnings[0]?.message ?? "",
    /main_sleep.*\(from https:\/\/conf\.example\.org\/plancton\.yaml:1\)/,
  );
});
