// Schema errors in an admin's words: file:line:key, what is wrong, what to write (with an
// example); none of the validator's phrasing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../src/config/errors.js";
import { parseConfigText } from "../../src/config/parse.js";

const F = "/etc/plancton/config.yaml";
const messageOf = (text: string): string => {
  try {
    parseConfigText(text, F);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error(`valid: ${text}`);
};

const CASES: [string, string][] = [
  [
    'main_sleep: 30\ndocker_image: ""\n',
    `${F}:2:1: docker_image: must not be empty: write e.g. docker_image: "busybox:latest"`,
  ],
  [
    'container_prefix: "-x"\n',
    `${F}:1:1: container_prefix: "-x" is not a valid container_prefix: use letters, digits, "_", "." and "-", starting with a letter or digit: write e.g. container_prefix: plancton-worker`,
  ],
  [
    "config_git: 10m\n",
    `${F}:1:1: config_git: must be a map (got "10m"): write config_git: {pull_every: 10m}`,
  ],
  [
    'schedule: "Mon-Fri 19:00-07:00"\n',
    `${F}:1:1: schedule: must be a list, even of one item (got "Mon-Fri 19:00-07:00"): write schedule: ["Mon-Fri 19:00-07:00"]`,
  ],
  [
    'cpus_per_dock: "1 core"\n',
    `${F}:1:1: cpus_per_dock: must be a plain number, without words or units (got "1 core"): write cpus_per_dock: 1`,
  ],
  [
    "cpus_per_dock: lots\n",
    `${F}:1:1: cpus_per_dock: must be a number (got "lots"): write e.g. cpus_per_dock: 1`,
  ],
  [
    "pilot_cpu_priority: low\n",
    `${F}:1:1: pilot_cpu_priority: "low" is not one of idle, normal: write e.g. pilot_cpu_priority: idle`,
  ],
  [
    "docker_privileged: maybe\n",
    `${F}:1:1: docker_privileged: must be true or false (got "maybe"): write e.g. docker_privileged: false`,
  ],
  [
    "docks_per_loop: 2000\n",
    `${F}:1:1: docks_per_loop: must be at most 1000 (got 2000): write e.g. docks_per_loop: 4`,
  ],
  ["main_sleep: true\n", `${F}:1:1: main_sleep: wrong type or value (got true): write e.g. main_sleep: 30`],
  [
    'influxdb:\n  - url: "nope"\n    bucket: b\n',
    `${F}:2:5: influxdb[0].url: "nope" is not a URL: write e.g. url: "https://influx:8086"`,
  ],
  [
    "docker_cmd: []\n",
    `${F}:1:1: docker_cmd: must list at least 1 item (got []): write e.g. docker_cmd: ["/bin/sh", "-c", "echo hi; sleep 60"]`,
  ],
];

test("the validator's messages are replaced by what to write, with an example", () => {
  for (const [text, want] of CASES) assert.equal(messageOf(text), want);
});

test("no message keeps the validator's wording", () => {
  const zodWords =
    /Too small|Too big|expected string to have|must match pattern|expected object, received|expected array|Invalid input|Invalid option|Invalid URL/;
  for (const [text] of CASES) assert.doesNotMatch(messageOf(text), zodWords, text);
  // Messages the schema words itself stay as they are.
  assert.equal(
    messageOf('main_sleep: "thirty"\n'),
    `${F}:1:1: main_sleep: "thirty" is not a duration: write seconds (30) or a string like "90s", "5m", "12h", "1d"`,
  );
});
