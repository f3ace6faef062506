import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../src/config/errors.js";
import {
  assertRemoteAllowed,
  LOCAL_ONLY_KEYS,
  privilegedKeysIn,
  remoteConfigProblems,
} from "../../src/config/remote/privileges.js";

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
    [{ network_mode: "container:other" }, "network_mode"],
    [{ network_mode: "site-net" }, "network_mode"],
    [{ network_mode: " bridge" }, "network_mode"],
    [{ network_mode: "HOST" }, "network_mode"],
    [{ user_group: "1000:0" }, "user_group"],
    [{ user_group: "1000" }, "user_group"],
    [{ user_group: "nobody:nogroup" }, "user_group"],
  ];
  for (const [raw, key] of cases) assert.deepEqual(keys(raw), [key], JSON.stringify(raw));
});

test("harmless values are not flagged, nor is a key left to its default (user_group 0:0)", () => {
  assert.deepEqual(keys({}), [], "the default user_group is 0:0, but the remote did not set it");
  assert.deepEqual(
    keys({
      docker_privileged: false,
      capabilities: ["-NET_RAW", "-MKNOD"],
      devices: [],
      binds: [],
      security_opts: [],
      user_group: "1000:1000",
      network_mode: "bridge",
      docker_image: "site/pilot",
      max_docks: "ncpus",
    }),
    [],
  );
  assert.deepEqual(keys({ network_mode: "none" }), []);
  assert.deepEqual(keys({ network_mode: "default" }), []);
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
  const problems = remoteConfigProblems(
    { docker_image: "site/pilot", capabilities: ["SYS_ADMIN"], devices: ["/dev/fuse"] },
    {},
  );
  assert.deepEqual(
    problems.map((p) => p.key),
    ["capabilities", "devices"],
  );
  assert.equal(problems[0]?.message, "grants host privileges (adds SYS_ADMIN)");
  assert.equal(
    problems[1]?.message,
    "grants host privileges (gives pilots host devices): refused from a remote config; set allow_remote_privileges: true in the LOCAL config.yaml to accept",
    "the fix is said once, after the last key",
  );
});

test("only the local config can allow remote privileges", () => {
  const remote = { docker_privileged: true, network_mode: "host" };
  assert.deepEqual(remoteConfigProblems(remote, { allow_remote_privileges: true }), []);
  assert.equal(
    remoteConfigProblems(remote, { allow_remote_privileges: "true" }).length,
    2,
    "a string is not true",
  );
  const self = remoteConfigProblems({ ...remote, allow_remote_privileges: true }, {});
  assert.deepEqual(self.map((p) => p.key).sort(), [
    "allow_remote_privileges",
    "docker_privileged",
    "network_mode",
  ]);
});

test("a remote may never set the local-only keys, even when privileges are allowed", () => {
  assert.deepEqual([...LOCAL_ONLY_KEYS].sort(), [
    "allow_engine_socket",
    "allow_insecure_http",
    "allow_remote_privileges",
    "config_git",
    "config_url",
    "config_url_every",
    "container_prefix",
    "disk_paths",
    "fleet",
    "influxdb",
    "influxdb_url",
    "instance",
    "metrics_listen",
  ]);
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
  assert.throws(
    () => assertRemoteAllowed({ docker_image: "site/pilot", binds: ["/cvmfs:/cvmfs:ro"] }, {}, url, text),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(
        err.message,
        /^https:\/\/conf\.example\.org\/plancton\.yaml:2:1: binds: grants host privileges \(mounts host paths into pilots\)/,
      );
      return true;
    },
  );
});

test("a remote may not name the instance, the pilots' prefix, metrics targets or paths the daemon reads", () => {
  for (const [key, value] of [
    ["instance", "other"],
    ["container_prefix", "other-worker"],
    ["influxdb_url", "http://evil:8086#x"],
    ["influxdb", [{ url: "https://evil", bucket: "b" }]],
    ["disk_paths", ["/mnt/hung-nfs"]],
  ] as const) {
    const problems = remoteConfigProblems({ [key]: value }, { allow_remote_privileges: true });
    assert.deepEqual(
      problems.map((p) => p.key),
      [key],
    );
  }
});

test("user_group from a remote: only numeric uid:gid, both non-zero, unless the local file allows privileges", () => {
  assert.deepEqual(keys({ user_group: "1000:1000" }), []);
  for (const v of ["0:0", "1000:0", "1000", "pilot", "pilot:pilot", "0:1000", 1000, ["1000:1000"]])
    assert.deepEqual(keys({ user_group: v }), ["user_group"], String(v));
  assert.match(privilegedKeysIn({ user_group: "1000:0" })[0]?.why ?? "", /root group/);
  assert.match(privilegedKeysIn({ user_group: "pilot" })[0]?.why ?? "", /may mean root in the image/);
  assert.deepEqual(remoteConfigProblems({ user_group: "0:0" }, { allow_remote_privileges: true }), []);
});

test("remote caps: more than MAX_REMOTE_ENTRIES entries or MAX_REMOTE_DEPTH levels is one problem, found in bounded time", async () => {
  const { MAX_REMOTE_DEPTH, MAX_REMOTE_ENTRIES } = await import("../../src/config/remote/remote-shape.js");
  const many = Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`k${i}`, i]));
  const [p] = remoteConfigProblems(many, {});
  assert.match(p?.message ?? "", new RegExp(`more than ${MAX_REMOTE_ENTRIES} keys`));
  assert.equal(
    remoteConfigProblems(
      { binds: Array(MAX_REMOTE_ENTRIES + 5).fill("/a:/a") },
      { allow_remote_privileges: true },
    ).length,
    1,
  );
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const [d] = remoteConfigProblems({ docker_env: deep }, {});
  assert.match(d?.message ?? "", new RegExp(`nested more than ${MAX_REMOTE_DEPTH} levels`));
  assert.deepEqual(
    remoteConfigProblems(
      { devices: [{ PathOnHost: "/dev/fuse" }], docker_env: { A: "1" } },
      { allow_remote_privileges: true },
    ),
    [],
  );
});

test("reasons quote odd values boundedly (a bomb-sized value never reaches JSON.stringify)", () => {
  let bomb: unknown[] = ["lol"];
  for (let i = 0; i < 40; i++) bomb = [bomb, bomb, bomb, bomb];
  for (const key of ["capabilities", "user_group", "network_mode", "docker_privileged"]) {
    const problems = remoteConfigProblems({ [key]: bomb }, {});
    assert.equal(problems.length, 1, key);
    assert.ok((problems[0]?.message.length ?? 0) < 400, key);
  }
  const [cap] = privilegedKeysIn({
    capabilities: [`+${"A".repeat(1_000_000)}`, ...Array(1000).fill("SYS_ADMIN")],
  });
  assert.ok((cap?.why.length ?? 0) < 300);
});

test("remote caps: a string value over MAX_REMOTE_STRING or a key over MAX_REMOTE_KEY is refused, naming where", async () => {
  const { MAX_REMOTE_KEY, MAX_REMOTE_STRING } = await import("../../src/config/remote/remote-shape.js");
  const [p] = remoteConfigProblems({ docker_env: { TOKEN: "x".repeat(200_000) } }, {});
  assert.equal(p?.key, "docker_env.TOKEN");
  assert.match(p?.message ?? "", new RegExp(`200000 characters, over the ${MAX_REMOTE_STRING}`));
  assert.deepEqual(
    remoteConfigProblems({ docker_env: { TOKEN: "x".repeat(MAX_REMOTE_STRING) } }, {}),
    [],
    "at the cap: accepted",
  );
  const [k] = remoteConfigProblems({ ["k".repeat(MAX_REMOTE_KEY + 1)]: 1 }, {});
  assert.match(k?.message ?? "", new RegExp(`key of ${MAX_REMOTE_KEY + 1} characters`));
  assert.ok((k?.key ?? "").length < 50, "the key is clipped in the message");
});
