// Schema problems in an admin's words: what is wrong and what to write instead, with an
// example, never the validator's phrasing ("Too small: expected string to have >=1
// characters"). Messages the schema words itself (durations, sizes, refinements) are kept.
import type { z } from "zod";
import { preview } from "./errors.js";

/** An example value of each key, as YAML, for "write e.g. KEY: VALUE". */
export const KEY_EXAMPLES: Readonly<Record<string, string>> = {
  influxdb_url: '"http://influx:8086#plancton"',
  updateconfig: "60",
  image_expiration: "12h",
  main_sleep: "30",
  grace_kill: "2m",
  grace_spawn: "60",
  cpus_per_dock: "1",
  max_docks: '"ncpus - 1"',
  docks_per_loop: "4",
  max_ttl: "12h",
  docker_image: '"busybox:latest"',
  docker_cmd: '["/bin/sh", "-c", "echo hi; sleep 60"]',
  docker_privileged: "false",
  max_dock_mem: "2GiB",
  max_dock_swap: "0",
  user_group: '"1000:1000"',
  binds: '["/cvmfs:/cvmfs:ro"]',
  devices: '["/dev/fuse:/dev/fuse:rwm"]',
  capabilities: '["SYS_ADMIN"]',
  security_opts: '["apparmor:unconfined"]',
  sample_interval: "2",
  disk_paths: '["/scratch"]',
  suspend_grace: "10m",
  resume_after: "60",
  overhead_margin: "10",
  min_free_mem: '"10%"',
  min_free_disk: '"5GiB"',
  pressure_grace: "10",
  spawn_when: '"cpu_owner_5m < 0.5"',
  max_pilots: '"ncpus - 1"',
  evict_when: '"load5 > ncpus"',
  suspend_when: '"input_idle < 60"',
  schedule: '["Mon-Fri 19:00-07:00", "Sat-Sun"]',
  schedule_drain: "false",
  container_prefix: "plancton-worker",
  instance: "site-a",
  network_mode: "bridge",
  docker_env: '["SITE=lab1"]',
  pilot_cpu_priority: "idle",
  launch_concurrency: "4",
  influxdb: '[{url: "https://influx:8086", token: "...", org: "lab", bucket: "plancton"}]',
  metrics_buffer_points: "50000",
  config_url: '"https://conf.example.org/plancton.yaml"',
  config_url_every: "5m",
  allow_insecure_http: "false",
  allow_remote_privileges: "false",
  allow_engine_socket: "false",
  config_git: "{pull_every: 10m}",
  log_level: "info",
  log_format: "text",
  metrics_listen: '"127.0.0.1:9857"',
  "influxdb.url": '"https://influx:8086"',
  "influxdb.token": '"my-token"',
  "influxdb.org": "lab",
  "influxdb.bucket": "plancton",
  "influxdb.insecure_tls": "false",
  "devices.PathOnHost": '"/dev/fuse"',
  "devices.PathInContainer": '"/dev/fuse"',
  "devices.CgroupPermissions": "rwm",
  "config_git.pull_every": "10m",
  "config_git.allowed_signers": "allowed_signers",
};

const TYPE_WORDS: Record<string, string> = {
  number: "a number",
  string: "a string",
  array: "a list",
  object: "a map (key: value)",
  boolean: "true or false",
  null: "null",
};

/** The validator's own phrasings, to be replaced; anything else was worded by the schema. */
const ZOD_WORDING =
  /^(Invalid input|Invalid option|Invalid string|Invalid URL|Invalid|Too small|Too big|Expected|expected)\b/;

export function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
  const got = valueAt(raw, issue.path);
  const shownGot = got === undefined ? "" : ` (got ${preview(got)})`;
  const { name, example } = exampleFor(issue.path);
  const write = (ex = example) =>
    ex === undefined ? "see the key's doc in docs/CONFIG.md" : `write e.g. ${name}: ${ex}`;
  if (!ZOD_WORDING.test(issue.message)) {
    // The schema's own words; add the value when the message does not show it.
    const scalar = got === null || typeof got !== "object";
    return got === undefined || (scalar && issue.message.includes(String(got)))
      ? issue.message
      : `${issue.message}${shownGot}`;
  }
  switch (issue.code) {
    case "invalid_type": {
      const wanted = TYPE_WORDS[issue.expected] ?? issue.expected;
      if (issue.expected === "array" && got !== undefined && (typeof got !== "object" || got === null)) {
        return `must be a list, even of one item${shownGot}: write ${name}: ${JSON.stringify([got])}`;
      }
      if (issue.expected === "object" && typeof got === "string" && name === "config_git") {
        return `must be a map${shownGot}: write config_git: {pull_every: ${got}}`;
      }
      if (issue.expected === "number" && typeof got === "string" && /^\s*\d+(\.\d+)?/.test(got)) {
        return (
          `must be a plain number, without words or units${shownGot}: ` +
          `write ${name}: ${Number.parseFloat(got)}`
        );
      }
      return `must be ${wanted}${shownGot}: ${write()}`;
    }
    case "too_small":
    case "too_big": {
      const bound = Number(issue.code === "too_small" ? issue.minimum : issue.maximum);
      if (issue.origin === "string") return `must not be empty: ${write()}`;
      if (issue.origin === "array")
        return `must list at least ${bound} item${bound === 1 ? "" : "s"}${shownGot}: ${write()}`;
      const op =
        issue.code === "too_small"
          ? issue.inclusive
            ? "at least"
            : "more than"
          : issue.inclusive
            ? "at most"
            : "less than";
      return `must be ${op} ${bound}${shownGot}: ${write()}`;
    }
    case "invalid_format":
      if (issue.format === "url") return `${preview(got)} is not a URL: ${write()}`;
      if (issue.format === "regex")
        return (
          `${preview(got)} is not a valid ${name}: use letters, digits, "_", "." and "-", starting ` +
          `with a letter or digit: ${write()}`
        );
      return `${preview(got)} has the wrong form (${issue.format}): ${write()}`;
    case "invalid_value":
      return `${preview(got)} is not one of ${issue.values.map((v) => String(v)).join(", ")}: ${write()}`;
    case "invalid_union":
      return `wrong type or value${shownGot}: ${write()}`;
    default:
      return `${issue.message}${shownGot}: ${write()}`;
  }
}

/** The name to show in "write e.g. NAME: EXAMPLE": the leaf key of a nested map, else the top key. */
function exampleFor(path: readonly PropertyKey[]): { name: string; example?: string } {
  const top = String(path[0] ?? "");
  const leaf = [...path].reverse().find((p) => typeof p === "string" && p !== top);
  if (leaf !== undefined) {
    const nested = KEY_EXAMPLES[`${top}.${String(leaf)}`];
    if (nested !== undefined) return { name: String(leaf), example: nested };
  }
  return { name: top, example: KEY_EXAMPLES[top] };
}

function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}
