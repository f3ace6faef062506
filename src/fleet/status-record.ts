// The status key's bytes and when to write them. A host writes when something an admin
// acts on changes (mode, pilots, engine, command...), at most every minWriteMs; CPU
// figures alone are refreshed with the whole record every refreshMs. Never per sample:
// at 10,000 hosts a 60 s refresh is ~170 writes/s.
import { z } from "zod";
import { STATUS_MAX_BYTES, type HostStatus } from "./fleet-types.js";

export interface WritePacing {
  /** Least time between two writes, whatever changed. */
  minWriteMs: number;
  /** A record is rewritten this often even when nothing significant changed. */
  refreshMs: number;
}

export const DEFAULT_PACING: WritePacing = { minWriteMs: 2_000, refreshMs: 60_000 };

/** What counts as a change worth a write: everything but timestamps and CPU. */
export function significant(s: HostStatus): string {
  return JSON.stringify([
    s.version,
    s.engine,
    s.mode,
    s.running,
    s.paused,
    s.max,
    s.ncpus,
    s.priority,
    s.config,
    s.command?.revision ?? null,
    s.command?.action ?? null,
  ]);
}

/** True when `next` should be written now, given what was written last and when. */
export function shouldWrite(
  last: { key: string; atMs: number } | undefined,
  next: HostStatus,
  nowMs: number,
  pacing: WritePacing,
): boolean {
  if (last === undefined) return true;
  const since = nowMs - last.atMs;
  if (since < pacing.minWriteMs) return false;
  return significant(next) !== last.key || since >= pacing.refreshMs;
}

const round2 = (v: number | null) => (v === null || !Number.isFinite(v) ? null : Math.round(v * 100) / 100);

/** JSON of the record, at most STATUS_MAX_BYTES: long strings are cut first. */
export function encodeStatus(s: HostStatus): string {
  const rec: HostStatus = { ...s, ownerCpu: round2(s.ownerCpu), pilotCpu: round2(s.pilotCpu) };
  let text = JSON.stringify(rec);
  for (const limit of [120, 40, 16]) {
    if (Buffer.byteLength(text) <= STATUS_MAX_BYTES) return text;
    const cut = (v: string) => (v.length > limit ? `${v.slice(0, limit - 1)}…` : v);
    text = JSON.stringify({
      ...rec,
      version: cut(rec.version),
      engine: rec.engine === null ? null : cut(rec.engine),
      mode: cut(rec.mode),
      priority: cut(rec.priority),
      config: cut(rec.config),
    });
  }
  return text;
}

/** A status record as read back: every field typed (fields a later version adds are dropped). */
const statusSchema = z.object({
  name: z.string(),
  version: z.string(),
  engine: z.string().nullable(),
  mode: z.string(),
  running: z.number().finite(),
  paused: z.number().finite(),
  max: z.number().finite(),
  ncpus: z.number().finite(),
  ownerCpu: z.number().finite().nullable(),
  pilotCpu: z.number().finite().nullable(),
  priority: z.string(),
  config: z.string(),
  lastTickAtMs: z.number().finite().nullable(),
  atMs: z.number().finite(),
  command: z.object({ action: z.enum(["drain", "resume"]), revision: z.string() }).optional(),
  coreHours24h: z.number().finite().nonnegative().nullable().optional(),
});

/** A status record read back from etcd, or why it is not one (a few words, never the value). */
export function decodeStatus(text: string): HostStatus | { unreadable: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { unreadable: "not JSON" };
  }
  const r = statusSchema.safeParse(json);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  return { unreadable: `${i?.path.join(".") || "record"}: ${i?.message ?? "invalid"}`.slice(0, 120) };
}
