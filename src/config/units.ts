// Parsers for the human units config values accept: durations and sizes.

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;

/** "90s", "5m", "1h30m", "12h", "1d", or plain seconds ("30") -> seconds; undefined when unparsable. */
export function parseDurationSeconds(text: string): number | undefined {
  const s = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const parts = s.match(/\d+(?:\.\d+)?\s*(?:ms|s|m|h|d|w)/g);
  if (!parts || parts.join("").replace(/\s/g, "") !== s.replace(/\s/g, "")) return undefined;
  let total = 0;
  for (const part of parts) {
    const m = DURATION_RE.exec(part.trim());
    if (!m) return undefined;
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] ?? NaN);
  }
  return Number.isFinite(total) ? total : undefined;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
};

/** "2GiB", "512MB", "1.5 GiB", "2000000000" -> bytes (integer); undefined when unparsable. */
export function parseSizeBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(text.trim().toLowerCase());
  if (!m) return undefined;
  const unit = m[2] === "" ? 1 : SIZE_UNITS[m[2] as string];
  if (unit === undefined) return undefined;
  return Math.round(Number(m[1]) * unit);
}

/** A free-space threshold: an absolute size, or a ratio of the total. */
export interface SizeOrRatio {
  bytes?: number;
  ratio?: number;
}

/** "10%" or 0.1 -> ratio; "2GiB" or 2147483648 -> bytes. Numbers below 1 are ratios. */
export function parseSizeOrRatio(value: string | number): SizeOrRatio | undefined {
  if (typeof value === "number") return value < 1 ? { ratio: value } : { bytes: Math.round(value) };
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(value.trim());
  if (pct) {
    const ratio = Number(pct[1]) / 100;
    return ratio <= 1 ? { ratio } : undefined;
  }
  const bytes = parseSizeBytes(value);
  return bytes === undefined ? undefined : { bytes };
}

/** A point in time, UTC ISO 8601 without milliseconds: "2024-01-01T12:00:00Z". */
export function formatIsoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

/** 1536 -> "1.5 KiB"; every size Plancton prints. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}
