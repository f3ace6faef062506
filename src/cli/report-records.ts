// The history's records for a report, streamed: every history file of logdir (the live one
// and its rotations, oldest first; a file last written before the period is not opened),
// line by line with a bound on a line's length, each record checked. A torn or hostile
// line is skipped and counted, never a crash; memory stays one chunk plus one line.
import { constants, createReadStream } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { AccountedRecord } from "../daemon/report/accounting-record.js";

/** A longer line is not a record of ours. */
export const MAX_LINE_BYTES = 64 * 1024;
const HISTORY_FILE = /^history\.jsonl(?:\.(\d{1,4}))?$/;

export interface ReadStats {
  files: number;
  lines: number;
  /** Lines that are not a valid record (torn, hostile, too long). */
  skipped: number;
}

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === "string" && v.length <= 4096;

/** The record in a line, or undefined when it is not a valid one. */
export function parseRecord(line: string): AccountedRecord | undefined {
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof r !== "object" || r === null || Array.isArray(r)) return undefined;
  const o = r as Record<string, unknown>;
  if (!isStr(o.id) || !isStr(o.name) || !isStr(o.reason)) return undefined;
  if (!isNum(o.startedAtMs) || !isNum(o.endedAtMs) || o.endedAtMs < o.startedAtMs) return undefined;
  if (o.startedAtMs < 0 || o.endedAtMs > 8.64e15) return undefined;
  if (o.image !== undefined && !isStr(o.image)) return undefined;
  for (const k of ["cpuSeconds", "wallSeconds", "memoryPeakBytes", "pauses"])
    if (o[k] !== undefined && (!isNum(o[k]) || o[k] < 0)) return undefined;
  if (o.givenBack !== undefined && typeof o.givenBack !== "boolean") return undefined;
  return r as AccountedRecord;
}

/** History files of logdir, oldest first, leaving out those last written before sinceMs. */
async function historyFiles(logdir: string, sinceMs: number): Promise<string[]> {
  const names = await readdir(logdir).catch(() => [] as string[]);
  const found: { file: string; n: number }[] = [];
  for (const name of names) {
    const m = HISTORY_FILE.exec(name);
    if (!m) continue;
    const file = path.join(logdir, name);
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile() || st.mtimeMs < sinceMs) continue;
    found.push({ file, n: m[1] === undefined ? 0 : Number(m[1]) });
  }
  return found.sort((a, b) => b.n - a.n).map((f) => f.file);
}

/** Calls onRecord for every valid record that ended in [sinceMs, untilMs). */
export async function readRecords(
  logdir: string,
  sinceMs: number,
  untilMs: number,
  onRecord: (r: AccountedRecord) => void,
): Promise<ReadStats> {
  const stats: ReadStats = { files: 0, lines: 0, skipped: 0 };
  for (const file of await historyFiles(logdir, sinceMs))
    await readLines(file, stats, (text) => {
      const r = parseRecord(text);
      if (!r) stats.skipped++;
      else if (r.endedAtMs >= sinceMs && r.endedAtMs < untilMs) onRecord(r);
    });
  return stats;
}

/** The idle CPU of each hour in [sinceMs, untilMs) (logdir/harvest.jsonl), for the harvest ratio. */
export async function readHarvestHours(
  logdir: string,
  sinceMs: number,
  untilMs: number,
  onHour: (hourMs: number, idleCoreSeconds: number) => void,
): Promise<ReadStats> {
  const stats: ReadStats = { files: 0, lines: 0, skipped: 0 };
  await readLines(path.join(logdir, "harvest.jsonl"), stats, (text) => {
    let h: { hourMs?: unknown; idleCoreSeconds?: unknown } | null;
    try {
      h = JSON.parse(text) as typeof h;
    } catch {
      h = null;
    }
    if (!h || !isNum(h.hourMs) || !isNum(h.idleCoreSeconds) || h.idleCoreSeconds < 0) stats.skipped++;
    else if (h.hourMs >= sinceMs && h.hourMs < untilMs) onHour(h.hourMs, h.idleCoreSeconds);
  });
  return stats;
}

/** Every line of a file (O_NOFOLLOW: a planted link is not read), a line over MAX_LINE_BYTES skipped. */
async function readLines(file: string, stats: ReadStats, onLine: (text: string) => void): Promise<void> {
  const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
  if (!fh) return;
  stats.files++;
  const line = (text: string): void => {
    if (text.length === 0) return;
    stats.lines++;
    onLine(text);
  };
  let pending = "";
  let tooLong = false;
  for await (const chunk of createReadStream("", { fd: fh, encoding: "utf8", highWaterMark: 64 * 1024 })) {
    let start = 0;
    const text = chunk as string;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      if (tooLong) {
        stats.lines++;
        stats.skipped++;
        tooLong = false;
      } else line(pending + text.slice(start, nl));
      pending = "";
      start = nl + 1;
    }
    if (!tooLong) pending += text.slice(start);
    if (pending.length > MAX_LINE_BYTES) {
      pending = "";
      tooLong = true;
    }
  }
  if (tooLong) {
    stats.lines++;
    stats.skipped++;
  } else line(pending); // a last line without its newline (torn): checked like any other
}
