// The value types of config keys (durations, periods, sizes, devices, capabilities, targets):
// each parses what a person writes ("90s", "2G", "50%") into plain units with a clear error.
import { z } from "zod";
import { preview } from "./errors.js";
import { parseDurationSeconds, parseSizeBytes, parseSizeOrRatio } from "./units.js";

/** Seconds, from a number of seconds or a string such as "90s", "5m", "12h". */
export const duration = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  const s = typeof v === "number" ? v : parseDurationSeconds(v);
  if (s === undefined || s < 0) {
    ctx.issues.push({
      code: "custom",
      input: v,
      message:
        `${preview(v)} is not a duration: write seconds (30) or a string like "90s", "5m", "12h", ` + `"1d"`,
    });
    return z.NEVER;
  }
  return s;
});

/** setInterval's limit: longer periods would fire every millisecond. */
export const MAX_PERIOD_SECONDS = 2_147_483;

/** A timer period: at least `min` seconds (0 allowed when it means "off"), at most 24 days. */
export const period = (min: number, zeroOff = false) =>
  duration.refine((s) => (zeroOff && s === 0) || (s >= min && s <= MAX_PERIOD_SECONDS), {
    message: `must be ${zeroOff ? "0 (off) or " : ""}between ${min} s and 24 days`,
  });

/** Bytes, from a number or a string such as "2GiB", "512MB". */
export const size = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
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
export const MAX_SIZE_BYTES = 2 ** 50;

/** A size between min and MAX_SIZE_BYTES. */
export const boundedSize = (min: number, what: string) =>
  size.refine((b) => b >= min && b <= MAX_SIZE_BYTES, {
    message: `${what} must be between ${min === 0 ? "0" : `${min / 1024 / 1024} MiB`} and 1 PiB`,
  });

/** A free-space threshold: "10%", 0.1 (ratio) or "2GiB" (bytes). */
export const sizeOrRatio = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
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

export const deviceMap = z.object({
  PathOnHost: z.string().min(1),
  PathInContainer: z.string().min(1).optional(),
  CgroupPermissions: z
    .string()
    .regex(/^[rwm]{1,3}$/)
    .optional(),
});

export const device = z.union([
  z
    .string()
    .regex(
      /^[^:]+(:[^:]+(:[rwm]{1,3})?)?$/,
      'a device is "host[:container[:perms]]", e.g. "/dev/fuse:/dev/fuse:rwm"',
    ),
  deviceMap,
]);

export const capability = z
  .string()
  .regex(/^[+-]?[A-Za-z_]+$/, 'a capability is NAME, +NAME (add) or -NAME (drop), e.g. "SYS_ADMIN"');

export const influxTarget = z.object({
  url: z.string().url(),
  token: z.string().default(""),
  org: z.string().default(""),
  bucket: z.string().min(1),
  insecure_tls: z.boolean().default(false),
});
