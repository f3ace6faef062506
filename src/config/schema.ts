// The one source of Plancton's configuration keys: names, types, defaults and docs.
// TypeScript types, validation, the JSON Schema in conf-examples/ and the README's
// reference table are all derived from this file.
import { z } from "zod";
import { preview } from "./errors.js";
import { LISTEN_EXAMPLE, parseListenAddress } from "./listen-address.js";
import { parseDurationSeconds, parseSizeBytes, parseSizeOrRatio } from "./units.js";

/** Seconds, from a number of seconds or a string such as "90s", "5m", "12h". */
const duration = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  const s = typeof v === "number" ? v : parseDurationSeconds(v);
  if (s === undefined || s < 0) {
    ctx.issues.push({
      code: "custom",
      input: v,
      message: `${preview(v)} is not a duration: write seconds (30) or a string like "90s", "5m", "12h", "1d"`,
    });
    return z.NEVER;
  }
  return s;
});

/** setInterval's limit: longer periods would fire every millisecond. */
const MAX_PERIOD_SECONDS = 2_147_483;

/** A timer period: at least `min` seconds (0 allowed when it means "off"), at most 24 days. */
const period = (min: number, zeroOff = false) =>
  duration.refine((s) => (zeroOff && s === 0) || (s >= min && s <= MAX_PERIOD_SECONDS), {
    message: `must be ${zeroOff ? "0 (off) or " : ""}between ${min} s and 24 days`,
  });

/** Bytes, from a number or a string such as "2GiB", "512MB". */
const size = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  const b = typeof v === "number" ? Math.round(v) : parseSizeBytes(v);
  if (b === undefined) {
    ctx.issues.push({
      code: "custom",
      input: v,
      message: `${preview(v)} is not a size: write bytes (2000000000) or a string like "2GiB", "512MB"`,
    });
    return z.NEVER;
  }
  return b;
});

/** Docker's own floors: a CpuQuota under 1 ms per 100 ms period and a Memory limit
 *  under 6 MiB are refused by the engine, and 0 means unlimited to it. */
export const MIN_CPUS_PER_DOCK = 0.01;
export const MIN_DOCK_MEM_BYTES = 6 * 1024 * 1024;
/** A PiB: far above any host, far below what overflows Docker's int64 fields. */
const MAX_SIZE_BYTES = 2 ** 50;

/** A size between min and MAX_SIZE_BYTES. */
const boundedSize = (min: number, what: string) =>
  size.refine((b) => b >= min && b <= MAX_SIZE_BYTES, {
    message: `${what} must be between ${min === 0 ? "0" : `${min / 1024 / 1024} MiB`} and 1 PiB`,
  });

/** A free-space threshold: "10%", 0.1 (ratio) or "2GiB" (bytes). */
const sizeOrRatio = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  const r = parseSizeOrRatio(v);
  if (r === undefined) {
    ctx.issues.push({
      code: "custom",
      input: v,
      message: `${preview(v)} is not a size or a ratio: write "10%", 0.1 or "2GiB"`,
    });
    return z.NEVER;
  }
  return r;
});

const deviceMap = z.object({
  PathOnHost: z.string().min(1),
  PathInContainer: z.string().min(1).optional(),
  CgroupPermissions: z
    .string()
    .regex(/^[rwm]{1,3}$/)
    .optional(),
});

const device = z.union([
  z
    .string()
    .regex(
      /^[^:]+(:[^:]+(:[rwm]{1,3})?)?$/,
      'a device is "host[:container[:perms]]", e.g. "/dev/fuse:/dev/fuse:rwm"',
    ),
  deviceMap,
]);

const capability = z
  .string()
  .regex(/^[+-]?[A-Za-z_]+$/, 'a capability is NAME, +NAME (add) or -NAME (drop), e.g. "SYS_ADMIN"');

const influxTarget = z.object({
  url: z.string().url(),
  token: z.string().default(""),
  org: z.string().default(""),
  bucket: z.string().min(1),
  insecure_tls: z.boolean().default(false),
});

const fleetSchema = z
  .object({
    etcd: z.array(z.string().url()).min(1).describe('etcd endpoints, e.g. ["https://etcd1.site:2379"].'),
    name: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, "a fleet name is letters, digits, _ . - (no slash)")
      .nullable()
      .default(null)
      .describe("This host's name in the fleet (null: the host name)."),
    ttl: period(2).default(15).describe("Lease TTL: a host silent this long shows as gone."),
    renew_every: period(1)
      .nullable()
      .default(null)
      .describe(
        "Lease renewal period (null: ttl/3); at most ttl/2. Each renewal is a request to etcd: with 10,000 hosts, ttl 60s and renew_every 30s keep the fleet under 500 requests/s.",
      ),
    refresh_every: period(10)
      .default(60)
      .describe(
        "The status key is rewritten this often when nothing but CPU figures changed (changes an admin acts on are written within 2 s).",
      ),
    prefix: z
      .string()
      .regex(/^\/[^\s]*\/$/, 'a prefix starts and ends with "/", e.g. "/plancton/"')
      .default("/plancton/")
      .describe("Key prefix of the fleet in etcd."),
    username: z.string().min(1).nullable().default(null).describe("etcd user (with password_file)."),
    password_file: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe("File holding the etcd user's password."),
    ca_file: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe("CA certificate(s) of https:// endpoints (null: the system's)."),
    cert_file: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe("Client certificate for etcd's client-cert-auth (with key_file)."),
    key_file: z.string().min(1).nullable().default(null).describe("Key of cert_file."),
  })
  .refine((f) => (f.username === null) === (f.password_file === null), {
    message: "username and password_file go together: set both or neither",
  })
  .refine((f) => (f.cert_file === null) === (f.key_file === null), {
    message: "cert_file and key_file go together (a client certificate and its key): set both or neither",
  })
  .refine((f) => f.renew_every === null || f.renew_every <= f.ttl / 2, {
    path: ["renew_every"],
    message:
      "renew_every must be at most ttl/2, so a failed renewal is tried again before the lease expires: raise ttl or lower renew_every",
  });

export const configSchema = z.object({
  // --- the original Plancton keys, with their defaults ---
  influxdb_url: z
    .union([z.string(), z.array(z.string())])
    .nullable()
    .default(null)
    .describe(
      'InfluxDB 1.x target(s) as "URL#database" (a string or a list); prefix "insecure_https:" skips TLS verification. null: no metrics.',
    ),
  updateconfig: period(1, true)
    .default(60)
    .describe(
      "Period of the safety re-read of the config file (edits are also applied within 1 s by a file watcher).",
    ),
  image_expiration: duration
    .default(43200)
    .describe("Re-pull docker_image this often, so a moving tag such as :latest really is the latest."),
  main_sleep: period(1)
    .default(30)
    .describe(
      "Period of the main loop (it also runs at once on a pilot event, a config change or a control command).",
    ),
  grace_kill: duration
    .default(120)
    .describe(
      "The owner's CPU must stay above the overhead threshold this long before a pilot is paused or killed.",
    ),
  grace_spawn: duration.default(60).describe("No new pilot this long after a kill (no wait at start)."),
  cpus_per_dock: z
    .number()
    .min(MIN_CPUS_PER_DOCK)
    .max(4096)
    .default(1)
    .describe(
      "CPUs per pilot, fractional allowed, at least 0.01: CpuQuota = cpus x 100000, CpuPeriod 100000.",
    ),
  max_docks: z
    .union([z.string().min(1), z.number().int().nonnegative()])
    .default("ncpus - 2")
    .describe(
      "Most pilots at once: a number or an expression over ncpus, ram_bytes, swap_bytes, max_dock_mem, max_dock_swap.",
    ),
  docks_per_loop: z
    .number()
    .int()
    .positive()
    .max(1000)
    .default(4)
    .describe("Most pilots started in one loop."),
  max_ttl: duration.default(43200).describe("A pilot older than this is killed."),
  docker_image: z.string().min(1).max(512).default("busybox").describe("Pilot image, repository[:tag]."),
  docker_cmd: z
    .union([z.string().min(1), z.array(z.string()).min(1)])
    .default("/bin/sleep 60")
    .describe(
      "Pilot command: a list, or a string split as a shell splits words (quotes group them; ; | && > are refused: use sh -c).",
    ),
  docker_privileged: z.boolean().default(false).describe("Run pilots privileged."),
  max_dock_mem: boundedSize(MIN_DOCK_MEM_BYTES, "max_dock_mem")
    .default(2000000000)
    .describe("RAM per pilot, bytes or a size string; at least 6 MiB (0 is not unlimited)."),
  max_dock_swap: boundedSize(0, "max_dock_swap")
    .default(0)
    .describe("Swap per pilot (MemorySwap = mem + swap; 0: no swap)."),
  user_group: z
    .string()
    .max(64)
    .regex(/^[\w.-]+(:[\w.-]+)?$/, 'user_group is "uid:gid", e.g. "1000:1000"')
    .default("0:0")
    .describe("uid:gid inside the pilot."),
  binds: z
    .array(
      z
        .string()
        .regex(/^[^:]+:[^:]+(:[a-zA-Z]+(,[a-zA-Z]+)*)?$/, 'a bind is "host:container[:ro|rw]"')
        .refine(
          (b) => !(/\bro\b/.test(b.split(":")[2] ?? "") && /\brw\b/.test(b.split(":")[2] ?? "")),
          "a bind cannot be both ro and rw",
        ),
    )
    .default([])
    .describe('Bind mounts "host:container[:ro|rw]"; read-only unless the bind says rw.'),
  devices: z
    .array(device)
    .default([])
    .describe(
      'Devices: "host:container:perms" strings or maps with PathOnHost, PathInContainer, CgroupPermissions.',
    ),
  capabilities: z
    .array(capability)
    .default([])
    .describe('"SYS_ADMIN" or "+SYS_ADMIN" adds a capability, "-NET_RAW" drops one.'),
  security_opts: z
    .array(z.string())
    .default([])
    .describe(
      'Security options such as "apparmor:docker-cvmfs"; applied only when AppArmor is enabled on the host.',
    ),

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
      "0: give the CPU back by killing the youngest pilot. >0: pause it first and kill it only if still paused after this long.",
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
      "Percent of the machine the owner may exceed its share by before the overhead rule acts (the original's +10).",
    ),
  min_free_mem: sizeOrRatio
    .nullable()
    .default(null)
    .describe(
      'Evict pilots (youngest first) and start none while available memory is below this ("10%", 0.1 or "2GiB").',
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
      "Kill the youngest pilot at once (no pause: a paused pilot keeps its memory), one per sample, while the owner's memory stall (PSI some, /proc/pressure/memory) is at least this percent over the last sample or 10 s; null: off.",
    ),
  stop_grace: duration
    .default(10)
    .describe(
      "max_ttl, schedule_drain, evict_when and force-stop send SIGTERM, then SIGKILL after this long (0: SIGKILL at once). Giving CPU or memory back to the owner is always immediate.",
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
      "Instance label of this daemon's pilots (default: container_prefix); two daemons on one host need different ones.",
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
      "idle: pilots run in a parent cgroup of the lowest CPU weight, so the kernel gives the owner the CPU at once.",
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
      'Serve Prometheus /metrics on this address, e.g. "127.0.0.1:9857" (the InfluxDB series\' figures). Local file only: a remote config cannot set it. null: off.',
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
      "Accept binds of a container engine's socket (docker.sock, podman.sock, containerd.sock, ...), of a directory holding one (/run, /var/run) or of / (local file only). Such a bind, even :ro, is root on the host.",
    ),
  config_git: z
    .object({
      pull_every: period(1).default(600),
      allowed_signers: z.string().min(1).nullable().default(null),
    })
    .nullable()
    .default(null)
    .describe(
      "Pull the confdir (a git checkout) on this period, fast-forward only: {pull_every, allowed_signers}. allowed_signers: a file in git's SSH format (gpg.ssh.allowedSignersFile; relative to the confdir); each new head must be signed by one of its keys, else it is refused and the config in force stays. Without it, a pull that changes privilege-granting keys is refused.",
    ),
  fleet: fleetSchema
    .nullable()
    .default(null)
    .describe(
      "Register this host in etcd for planctonctl fleet (local config only): {etcd: [URL], name, ttl, renew_every, refresh_every, prefix, username, password_file, ca_file, cert_file, key_file}.",
    ),
  log_level: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace"])
    .default("info")
    .describe("Log level."),
  log_format: z
    .enum(["text", "json"])
    .default("text")
    .describe(
      "Daemon log in logdir and on stderr (journald): text, one readable line per record (time, level, message, key=value); json, pino's JSON lines for log shippers. Applies at the next start.",
    ),
});

/** The validated configuration with defaults applied, durations in seconds, sizes in bytes. */
export type Config = z.output<typeof configSchema>;

export const CONFIG_KEYS: readonly string[] = Object.keys(configSchema.shape);

/** Keys of the maps nested in some keys (lists of maps, or one map), for unknown-key warnings. */
export const NESTED_KEYS: Readonly<Record<string, readonly string[]>> = {
  devices: Object.keys(deviceMap.shape),
  influxdb: Object.keys(influxTarget.shape),
  config_git: ["pull_every", "allowed_signers"],
  fleet: Object.keys(fleetSchema.shape),
};

/** Keys whose default is itself an expression evaluated on the host. */
export const MAX_DOCKS_VARIABLES = [
  "ncpus",
  "ram_bytes",
  "swap_bytes",
  "max_dock_mem",
  "max_dock_swap",
] as const;

export function defaultConfig(): Config {
  return configSchema.parse({});
}
