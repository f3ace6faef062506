// The status key's bytes and when to write them. A host writes when something an admin
// acts on changes (mode, pilots, engine, command...), at most every minWriteMs; CPU
// figures alone are refreshed with the whole record every refreshMs. Never per sample:
// at 10,000 hosts a 60 s refresh is ~170 writes/s.
import { STATUS_MAX_BYTES, type HostStatus } from "./types.js";

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

/** A status record read back from etcd; undefined when it is not one. */
export function decodeStatus(text: string): HostStatus | undefined {
  try {
    const v = JSON.parse(text) as Partial<HostStatus>;
    if (typeof v !== "object" || v === null || typeof v.name !== "string" || typeof v.atMs !== "number")
      return undefined;
    return v as HostStatus;
  } catch {
    return undefined;
  }
}
