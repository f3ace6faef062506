// The original Plancton's keys, with its defaults, and the pilot container's keys (part of
// configSchema in schema.ts, in this order).
import { z } from "zod";
import {
  duration,
  period,
  MIN_CPUS_PER_DOCK,
  MIN_DOCK_MEM_BYTES,
  boundedSize,
  device,
  capability,
} from "./schema-values.js";

export const originalKeys = {
  // --- the original Plancton keys, with their defaults ---
  influxdb_url: z
    .union([z.string(), z.array(z.string())])
    .nullable()
    .default(null)
    .describe(
      'InfluxDB 1.x target(s) as "URL#database" (a string or a list); prefix "insecure_https:" ' +
        "skips TLS verification. null: no metrics.",
    ),
  updateconfig: period(1, true)
    .default(60)
    .describe(
      "Period of the safety re-read of the config file (edits are also applied within 1 s by a " +
        "file watcher).",
    ),
  image_expiration: duration
    .default(43200)
    .describe("Re-pull docker_image this often, so a moving tag such as :latest really is the latest."),
  main_sleep: period(1)
    .default(30)
    .describe(
      "Period of the main loop (it also runs at once on a pilot event, a config change or a " +
        "control command).",
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
      "Most pilots at once: a number or an expression over ncpus, ram_bytes, swap_bytes, " +
        "max_dock_mem, max_dock_swap.",
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
      "Pilot command: a list, or a string split as a shell splits words (quotes group them; ; | && " +
        "> are refused: use sh -c).",
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
};
