// The keys new in this rewrite: sampling, give-back, policy expressions, instances,
// metrics targets, remote sources, fleet and logging (part of configSchema in schema.ts).
import { z } from "zod";
import { LISTEN_EXAMPLE, parseListenAddress } from "./listen-address.js";
import { fleetSchema } from "./fleet-schema.js";
import { duration, period, sizeOrRatio, influxTarget } from "./schema-values.js";

export const addedKeys = {
  // --- new in this rewrite ---
  sample_interval: period(0.5)
    .default(2)
    .describe("Host sampling period (CPU, load, memory, disk), independent of main_sleep."),
  disk_paths: z
    .array(z.string().min(1))
    .default([])
    .describe("Paths whose free space is watched besides Docker's data root."),
  suspend_grace: duration
    .default(0)
    .describe(
      "0: give the CPU back by killing the youngest pilot. >0: pause it first and kill it only if " +
        "still paused after this long.",
    ),
  resume_after: duration
    .default(60)
    .describe("Paused pilots resume when the owner's CPU has stayed low this long."),
  overhead_margin: z
    .number()
    .min(0)
    .max(100)
    .default(10)
    .describe(
      "Percent of the machine the owner may exceed its share by before the overhead rule acts (the " +
        "original's +10).",
    ),
  min_free_mem: sizeOrRatio
    .nullable()
    .default(null)
    .describe(
      'Evict pilots (youngest first) and start none while available memory is below this ("10%", ' +
        '0.1 or "2GiB").',
    ),
  min_free_disk: sizeOrRatio
    .nullable()
    .default(null)
    .describe("Same for free disk space on Docker's data root and disk_paths."),
  mem_pressure_psi: z
    .number()
    .positive()
    .max(100)
    .nullable()
    .default(10)
    .describe(
      "Kill the youngest pilot at once (no pause: a paused pilot keeps its memory), one per " +
        "sample, while the owner's memory stall (PSI some, /proc/pressure/memory) is at least this " +
        "percent over the last sample or 10 s; null: off.",
    ),
  stop_grace: duration
    .default(10)
    .describe(
      "max_ttl, schedule_drain, evict_when and force-stop send SIGTERM, then SIGKILL after this " +
        "long (0: SIGKILL at once). Giving CPU or memory back to the owner is always immediate.",
    ),
  pressure_grace: duration
    .default(10)
    .describe("Memory or disk pressure must hold this long before a pilot is evicted."),
  spawn_when: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .describe(
      'Expression: pilots may start only while true, e.g. "cpu_owner_5m < 0.5 and disk_free_ratio > 0.1".',
    ),
  max_pilots: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .describe("Expression capping the pilot count (max_docks still applies)."),
  evict_when: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .describe("Expression: evict the youngest pilot while true."),
  suspend_when: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .describe(
      "Expression: pause every running pilot while true (HTCondor's SUSPEND), e.g. \"input_idle < " +
        '1m || on_battery"; resumed resume_after after it turns false, killed when paused longer than ' +
        "suspend_grace.",
    ),
  schedule: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'Time-of-day windows when pilots may start, e.g. ["Mon-Fri 19:00-07:00", "Sat-Sun"]; empty = always.',
    ),
  schedule_drain: z
    .boolean()
    .default(false)
    .describe("Outside the schedule, evict running pilots (true) or let them finish (false)."),
  container_prefix: z
    .string()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/)
    .default("plancton-worker")
    .describe("Pilot name prefix: <prefix>-<6 random [a-z0-9]>."),
  instance: z
    .string()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/)
    .nullable()
    .default(null)
    .describe(
      "Instance label of this daemon's pilots (default: container_prefix); two daemons on one host " +
        "need different ones.",
    ),
  network_mode: z
    .string()
    .min(1)
    .max(256)
    .default("bridge")
    .describe('Docker network mode of pilots ("bridge", "host", "none", a network name).'),
  docker_env: z
    .union([
      z.array(z.string().regex(/^[^=]+=/, 'an env entry is "NAME=value"')),
      z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    ])
    .default([])
    .describe('Extra environment of pilots: ["NAME=value"] or a map.'),
  pilot_cpu_priority: z
    .enum(["idle", "normal"])
    .default("idle")
    .describe(
      "idle: pilots run in a parent cgroup of the lowest CPU weight, so the kernel gives the owner " +
        "the CPU at once.",
    ),
  launch_concurrency: z
    .number()
    .int()
    .positive()
    .default(4)
    .describe("Most pilot launches in flight at once."),
  influxdb: z
    .array(influxTarget)
    .default([])
    .describe("InfluxDB 2.x/3.x (and 1.8+) targets through the v2 write API: [{url, token, org, bucket}]."),
  metrics_listen: z
    .union([z.string(), z.number()])
    .nullable()
    .default(null)
    .refine((v) => v === null || parseListenAddress(String(v)) !== undefined, {
      message: `write "HOST:PORT", e.g. ${LISTEN_EXAMPLE}`,
    })
    .describe(
      'Serve Prometheus /metrics on this address, e.g. "127.0.0.1:9857" (the InfluxDB series\' ' +
        "figures). Local file only: a remote config cannot set it. null: off.",
    ),
  metrics_buffer_points: z
    .number()
    .int()
    .positive()
    .max(1_000_000)
    .default(50000)
    .describe("Points kept per metrics target while it is unreachable (oldest dropped first)."),
  config_url: z
    .string()
    .url()
    .nullable()
    .default(null)
    .describe("Remote config fetched periodically and layered under the local file."),
  config_url_every: period(1).default(300).describe("Refresh period of config_url."),
  allow_insecure_http: z.boolean().default(false).describe("Allow config_url over plain http."),
  allow_remote_privileges: z
    .boolean()
    .default(false)
    .describe("Accept privilege-granting keys from config_url (local file only)."),
  allow_engine_socket: z
    .boolean()
    .default(false)
    .describe(
      "Accept binds of a container engine's socket (docker.sock, podman.sock, containerd.sock, " +
        "...), of a directory holding one (/run, /var/run) or of / (local file only). Such a bind, " +
        "even :ro, is root on the host.",
    ),
  config_git: z
    .object({
      pull_every: period(1).default(600),
      allowed_signers: z.string().min(1).nullable().default(null),
    })
    .nullable()
    .default(null)
    .describe(
      "Pull the confdir (a git checkout) on this period, fast-forward only: {pull_every, " +
        "allowed_signers}. allowed_signers: a file in git's SSH format (gpg.ssh.allowedSignersFile; " +
        "relative to the confdir); each new head must be signed by one of its keys, else it is " +
        "refused and the config in force stays. Without it, a pull that changes privilege-granting " +
        "keys is refused.",
    ),
  fleet: fleetSchema
    .nullable()
    .default(null)
    .describe(
      "Register this host in etcd for planctonctl fleet (local config only): {etcd: [URL], name, " +
        "ttl, renew_every, refresh_every, prefix, username, password_file, ca_file, cert_file, " +
        "key_file}.",
    ),
  benchmark_per_core: z
    .number()
    .positive()
    .max(1e6)
    .nullable()
    .default(null)
    .describe(
      "This host's benchmark score per core (HEPscore23 or HS06), for planctonctl report's " +
        "normalised hours (CPU hours x this). null: not reported.",
    ),
  history_keep: duration
    .default(90 * 86400)
    .describe(
      "How long finished pilots' records are kept in logdir (history.jsonl and its rotations) " +
        "for planctonctl history and report.",
    ),
  log_level: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace"])
    .default("info")
    .describe("Log level."),
  log_format: z
    .enum(["text", "json"])
    .default("text")
    .describe(
      "Daemon log in logdir and on stderr (journald): text, one readable line per record (time, " +
        "level, message, key=value); json, pino's JSON lines for log shippers. Applies at the next " +
        "start.",
    ),
};
