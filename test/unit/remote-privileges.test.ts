import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../src/config/errors.js";
import { assertRemoteAllowed, LOCAL_ONLY_KEYS, privilegedKeysIn, remoteConfigProblems } from "../../src/config/remote/privileges.js";

const keys = (raw: Record<string, unknown>) => privilegedKeysIn(raw).map((p) => p.key);

test("each privilege-granting key is flagged", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ docker_privileged: true }, "docker_privileged"],
    [{ capabilities: ["SYS_ADMIN"] }, "capabilities"],
    [{ capabilities: ["+NET_ADMIN"] }, "capabilities"],
    [{ capabilities: ["-NET_RAW", "SYS_PTRACE"] }, "capabilities"],
    [{ devices: ["/dev/fuse:/dev/fuse:rwm"] }, "devices"],
    [{ devices: [{ PathOnHost: "/dev/fuse" }] }, "devices"],
    [{ binds: ["/cvmfs:/cvmfs:ro"] }, "binds"],
    [{ security_opts: ["apparmor:docker-cvmfs"] }, "security_opts"],
    [{ user_group: "0:0" }, "user_group"],
    [{ user_group: "0" }, "user_group"],
    [{ user_group: "0:1000" }, "user_group"],
    [{ user_group: "root" }, "user_group"],
    [{ user_group: "root:root" }, "user_group"],
    [{ network_mode: "host" }, "network_mode"],
  ];
  for (const [raw, key] of cases) assert.deepEqual(keys(raw), [key], JSON.stringify(raw));
});

test("harmless values are not flagged, nor is a key left to its default (user_group 0:0)", () => {
  assert.deepEqual(keys({}), [], "the default user_group is 0:0, but the remote did not set it");
  assert.deepEqual(keys({
    docker_privileged: false, capabilities: ["-NET_RAW", "-MKNOD"], devices: [], binds: [], security_opts: [],
    user_group: "1000:1000", network_mode: "bridge", docker_image: "site/pilot", max_docks: "ncpus",
  }), []);
  assert.deepEqual(keys({ user_group: "1000:0" }), [], "gid 0 alone does not make root");
  assert.deepEqual(keys({ network_mode: "none" }), []);
});

test("odd types count as privileged (the schema rejects them anyway)", () => {
  assert.deepEqual(keys({ docker_privileged: "yes" }), ["docker_privileged"]);
  assert.deepEqual(keys({ devices: "/dev/fuse" }), ["devices"]);
  assert.deepEqual(keys({ capabilities: "SYS_ADMIN" }), ["capabilities"]);
  assert.deepEqual(keys({ user_group: 0 }), ["user_group"]);
});

test("the reason says what the key grants", () => {
  const [cap] = privilegedKeysIn({ capabilities: ["-NET_RAW", "+SYS_ADMIN", "NET_ADMIN"] });
  assert.equal(cap?.why, "adds SYS_ADMIN, NET_ADMIN");
});

test("a privileged remote is rejected as a whole, naming the key and the fix", () => {
  const problems = remoteConfigProblems({ docker_image: "site/pilot", capabilities: ["SYS_ADMIN"], devices: ["/dev/fuse"] }, {});
  assert.deepEqual(problems.map((p) => p.key), ["capabilities", "devices"]);
  assert.equal(problems[0]?.message, "grants host privileges (adds SYS_ADMIN)");
  assert.equal(problems[1]?.message, "grants host privileges (gives pilots host devices): refused from a remote config; set allow_remote_privileges: true in the LOCAL config.yaml to accept", "the fix is said once, after the last key");
});

test("only the local config can allow remote privileges", () => {
  const remote = { docker_privileged: true, network_mode: "host" };
  assert.deepEqual(remoteConfigProblems(remote, { allow_remote_privileges: true }), []);
  assert.equal(remoteConfigProblems(remote, { allow_remote_privileges: "true" }).length, 2, "a string is not true");
  const self = remoteConfigProblems({ ...remote, allow_remote_privileges: true }, {});
  assert.deepEqual(self.map((p) => p.key).sort(), ["allow_remote_privileges", "docker_privileged", "network_mode"]);
});

test("a remote may never set the local-only keys, even when privileges are allowed", () => {
  assert.deepEqual([...LOCAL_ONLY_KEYS].sort(), ["allow_insecure_http", "allow_remote_privileges", "config_git", "config_url", "config_url_every", "fleet", "metrics_listen"]);
  for (const key of LOCAL_ONLY_KEYS) {
    const problems = remoteConfigProblems({ [key]: null }, { allow_remote_privileges: true });
    assert.equal(problems.length, 1, key);
    assert.equal(problems[0]?.key, key);
    assert.match(problems[0]?.message ?? "", /only the local config\.yaml may set this key/);
  }
});

test("assertRemoteAllowed throws a ConfigError naming the URL and the line", () => {
  const url = "https://conf.example.org/plancton.yaml";
  const text = "docker_image: site/pilot\nbinds:\n  - /cvmfs:/cvmfs:ro\n";
  assert.doesNotThrow(() => assertRemoteAllowed({ docker_image: "x" }, {}, url, "docker_image: x\n"));
  assert.throws(() => assertRemoteAllowed({ docker_image: "site/pilot", binds: ["/cvmfs:/cvmfs:ro"] }, {}, url, text), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /^https:\/\/conf\.example\.org\/plancton\.yaml:2:1: binds: grants host privileges \(mounts host paths into pilots\)/);
    return true;
  });
});
