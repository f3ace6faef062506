import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../src/config/errors.js";
import { parseConfigText } from "../../src/config/parse.js";
import { defaultConfig } from "../../src/config/schema.js";
import { pilotSpec } from "../../src/daemon/loop/launch-spec.js";

const F = "/etc/plancton/config.yaml";

function problemsOf(text: string): ConfigError {
  try {
    parseConfigText(text, F);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected ${JSON.stringify(text)} to be rejected`);
}

test("no file or an empty file means the original defaults", () => {
  const { config } = parseConfigText("", F);
  assert.equal(config.main_sleep, 30);
  assert.equal(config.grace_kill, 120);
  assert.equal(config.grace_spawn, 60);
  assert.equal(config.updateconfig, 60);
  assert.equal(config.image_expiration, 43200);
  assert.equal(config.max_ttl, 43200);
  assert.equal(config.cpus_per_dock, 1);
  assert.equal(config.max_docks, "ncpus - 2");
  assert.equal(config.docks_per_loop, 4);
  assert.equal(config.docker_image, "busybox");
  assert.equal(config.docker_cmd, "/bin/sleep 60");
  assert.equal(config.docker_privileged, false);
  assert.equal(config.max_dock_mem, 2000000000);
  assert.equal(config.max_dock_swap, 0);
  assert.equal(config.user_group, "0:0");
  assert.deepEqual(
    [config.binds, config.devices, config.capabilities, config.security_opts],
    [[], [], [], []],
  );
  assert.equal(config.influxdb_url, null);
  assert.deepEqual(parseConfigText("# only a comment\n", F).config, defaultConfig());
});

test("an old Plancton config (the field shape) keeps working", () => {
  const text = `
cpus_per_dock: 1
max_docks: ncpus - 1
grace_kill: 10
grace_spawn: 20
main_sleep: 5
max_ttl: 500
updateconfig: 10
docker_image: example/htcondor-pilot
docker_cmd: ["/bin/pilot", "--pool", "x"]
binds:
  - /etc/a:/etc/a:ro
  - /etc/b:/etc/b:ro
  - /etc/c:/etc/c:ro
devices:
  - PathOnHost: /dev/fuse
    PathInContainer: /dev/fuse
    CgroupPermissions: rwm
capabilities: [SYS_ADMIN]
security_opts: ["apparmor:docker-cvmfs"]
influxdb_url: "http://influx.example.org:8086#plancton"
`;
  const { config, warnings } = parseConfigText(text, F);
  assert.deepEqual(warnings, []);
  assert.equal(config.max_ttl, 500);
  const spec = pilotSpec(config, {
    name: "plancton-worker-abc123",
    hostname: "node7",
    instance: "plancton-worker",
    apparmor: false,
  });
  assert.deepEqual(spec.cmd, ["/bin/pilot", "--pool", "x"]);
  assert.deepEqual(spec.devices, [
    { PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm" },
  ]);
  assert.deepEqual(spec.capAdd, ["SYS_ADMIN"]);
  assert.deepEqual(spec.securityOpt, [], "AppArmor options only when AppArmor is enabled");
  assert.equal(spec.hostname, "plancton-node7-abc123");
  assert.equal(spec.cpuQuota, 100000);
});

test("units, string commands, device strings and capability signs", () => {
  const { config } = parseConfigText(
    `main_sleep: 90s\nmax_ttl: 12h\nmax_dock_mem: 2GiB\nmax_dock_swap: 512MB\ncpus_per_dock: 0.5
docker_cmd: /bin/sleep  60
devices: ["/dev/fuse:/dev/fuse:rwm", "/dev/kvm"]
capabilities: [SYS_ADMIN, +NET_ADMIN, -NET_RAW]
docker_env: {A: 1, B: x}
`,
    F,
  );
  assert.equal(config.main_sleep, 90);
  assert.equal(config.max_ttl, 43200);
  const spec = pilotSpec(config, { name: "p-000000", hostname: "h", instance: "i", apparmor: true });
  assert.equal(spec.memoryBytes, 2 * 1024 ** 3);
  assert.equal(spec.memorySwapBytes, 2 * 1024 ** 3 + 512e6);
  assert.equal(spec.cpuQuota, 50000);
  assert.deepEqual(spec.cmd, ["/bin/sleep", "60"]);
  assert.deepEqual(spec.devices[1], {
    PathOnHost: "/dev/kvm",
    PathInContainer: "/dev/kvm",
    CgroupPermissions: "rwm",
  });
  assert.deepEqual([spec.capAdd, spec.capDrop], [["SYS_ADMIN", "NET_ADMIN"], ["NET_RAW"]]);
  assert.deepEqual(spec.env, ["A=1", "B=x"]);
});

test("errors name the key and the line", () => {
  const cases: { text: string; key?: string; line: number; includes: string }[] = [
    {
      text: "docker_image: busybox\nmain_sleep: soon\n",
      key: "main_sleep",
      line: 2,
      includes: "not a duration",
    },
    {
      text: "grace_spawn: -5\n",
      key: "grace_spawn",
      line: 1,
      includes: "must be at least 0 (got -5): write e.g. grace_spawn: 60",
    },
    { text: 'a: 1\nmax_docks: "ncpus - (2"\n', key: "max_docks", line: 2, includes: "column" },
    { text: "max_docks: ncpu - 2\n", key: "max_docks", line: 1, includes: "did you mean ncpus" },
    { text: "spawn_when: cpu_ownr_5m < 0.5\n", key: "spawn_when", line: 1, includes: "cpu_owner_5m" },
    { text: "devices:\n  - /dev/fuse\n  - PathOnHost: 42\n", key: "devices[1]", line: 3, includes: "" },
    { text: "binds: [1, 2]\n", key: "binds[0]", line: 1, includes: "string" },
    { text: 'schedule: ["Mon-Fri 25:00-07:00"]\n', key: "schedule", line: 1, includes: "25:00" },
    { text: "main_sleep: 30\nbinds: [ /a:/b\ngrace_kill: 10\n", line: 3, includes: "invalid YAML" },
    { text: "- a\n- b\n", line: 1, includes: "map of keys" },
    { text: "main_sleep: 1\nmain_sleep: 2\n", line: 2, includes: "duplicated" },
  ];
  for (const c of cases) {
    const err = problemsOf(c.text);
    const p = err.problems[0]!;
    if (c.key !== undefined) assert.equal(p.key, c.key, c.text);
    assert.equal(p.line, c.line, `${c.text}: ${err.message}`);
    assert.ok(err.message.includes(c.includes), `${err.message} should include ${c.includes}`);
    assert.ok(err.message.startsWith(`${F}:${c.line}`), err.message);
  }
});

test("unknown keys are warnings with the nearest known key", () => {
  const { warnings } = parseConfigText("secopt: [x]\nmain_slep: 4\nzzzzzzzz: 1\n", F);
  assert.deepEqual(
    warnings.map((w) => [w.key, w.line]),
    [
      ["secopt", 1],
      ["main_slep", 2],
      ["zzzzzzzz", 3],
    ],
  );
  assert.match(warnings[0]!.message, /did you mean security_opts\?/);
  assert.match(warnings[1]!.message, /did you mean main_sleep\?/);
  assert.doesNotMatch(warnings[2]!.message, /did you mean/);
});

test("plain http for config_url is refused unless allowed", () => {
  assert.match(problemsOf("config_url: http://example.org/c.yaml\n").message, /allow_insecure_http/);
  assert.equal(
    parseConfigText("config_url: http://example.org/c.yaml\nallow_insecure_http: true\n", F).config
      .allow_insecure_http,
    true,
  );
});

test("resource floors: cpus_per_dock >= 0.01 and max_dock_mem >= 6 MiB (0 never means unlimited)", () => {
  for (const bad of [
    "cpus_per_dock: 0.004",
    "cpus_per_dock: 0",
    "cpus_per_dock: 1e9",
    "max_dock_mem: 0",
    "max_dock_mem: 5MiB",
    "max_dock_mem: 1e300",
    "max_dock_swap: 1e300",
  ]) {
    assert.throws(() => parseConfigText(`${bad}\n`, "c.yaml"), ConfigError, bad);
  }
  const { config } = parseConfigText("cpus_per_dock: 0.01\nmax_dock_mem: 6MiB\n", "c.yaml");
  assert.equal(config.cpus_per_dock, 0.01);
  assert.equal(config.max_dock_mem, 6 * 1024 * 1024);
});

test("the smallest accepted caps give Docker real limits: CpuQuota 1000 (its minimum), Memory 6 MiB", () => {
  const { config } = parseConfigText("cpus_per_dock: 0.01\nmax_dock_mem: 6MiB\n", "c.yaml");
  const spec = pilotSpec(config, { name: "p-abcdef", hostname: "h", instance: "i", apparmor: false });
  assert.equal(spec.cpuQuota, 1000);
  assert.equal(spec.memoryBytes, 6 * 1024 * 1024);
  assert.equal(spec.memorySwapBytes, 6 * 1024 * 1024);
  const bypass = pilotSpec(
    { ...config, cpus_per_dock: 0, max_dock_mem: 0 },
    { name: "p-abcdef", hostname: "h", instance: "i", apparmor: false },
  );
  assert.ok(
    bypass.cpuQuota >= 1000 && bypass.memoryBytes >= 6 * 1024 * 1024,
    "never 0 (unlimited), even past the schema",
  );
});
