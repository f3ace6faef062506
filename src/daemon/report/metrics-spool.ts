// Metric points the targets did not get before a clean stop (an InfluxDB outage): kept in
// rundir/metrics-unsent (0600, written to a new file renamed into place, read without
// following a link, only when it is ours) and sent after the next start, then removed.
// Bounded: at most MAX_SPOOL_BYTES of lines, the newest kept. A crash keeps nothing.
import { lstat, rm } from "node:fs/promises";
import path from "node:path";
import type { MetricsHub, UnsentLines } from "../../metrics/metrics-hub.js";
import type { Logger } from "../process/logger.js";
import { readNoFollow, replaceFile } from "../process/safe-open.js";
import { diskFaults } from "../process/disk-faults.js";

export const SPOOL_FILE = "metrics-unsent";
export const MAX_SPOOL_BYTES = 8 * 1024 * 1024;

/** The newest lines of each target, all targets together within maxBytes. */
export function boundLines(unsent: UnsentLines, maxBytes = MAX_SPOOL_BYTES): UnsentLines {
  const out: UnsentLines = {};
  let left = maxBytes;
  for (const [id, lines] of Object.entries(unsent)) {
    let i = lines.length;
    while (i > 0 && left >= Buffer.byteLength(lines[i - 1]!) + 4) left -= Buffer.byteLength(lines[--i]!) + 4;
    if (i < lines.length) out[id] = lines.slice(i);
  }
  return out;
}

/** Writes what is left to send; nothing (and no file) when nothing is. Throws what the disk refuses. */
export async function saveUnsent(rundir: string, unsent: UnsentLines): Promise<number> {
  const kept = boundLines(unsent);
  const n = Object.values(kept).reduce((s, l) => s + l.length, 0);
  if (n > 0)
    await replaceFile(path.join(rundir, SPOOL_FILE), `${JSON.stringify({ v: 1, targets: kept })}\n`, 0o600);
  return n;
}

/** Reads and removes what a previous run left; {} when nothing (or nothing sound) is there. */
export async function takeUnsent(rundir: string): Promise<UnsentLines> {
  const file = path.join(rundir, SPOOL_FILE);
  const st = await lstat(file).catch(() => undefined);
  if (st === undefined) return {};
  try {
    if (!st.isFile() || st.size > MAX_SPOOL_BYTES * 2) return {};
    const text = await readNoFollow(file, [process.getuid?.() ?? 0]);
    const parsed = JSON.parse(text ?? "null") as { v?: number; targets?: unknown } | null;
    const targets = parsed?.v === 1 && typeof parsed.targets === "object" ? parsed.targets : null;
    const out: UnsentLines = {};
    for (const [id, lines] of Object.entries(targets ?? {}))
      if (Array.isArray(lines)) out[id] = lines.filter((l): l is string => typeof l === "string");
    return out;
  } catch {
    return {};
  } finally {
    await rm(file, { force: true });
  }
}

/** At a clean stop: keeps what the targets did not get; a refusing disk is counted, never thrown. */
export async function keepUnsent(rundir: string, unsent: UnsentLines, logger: Logger): Promise<void> {
  try {
    const n = await saveUnsent(rundir, unsent);
    if (n > 0)
      logger.info(`metrics: ${n} point(s) not delivered kept in ${rundir}/${SPOOL_FILE} for the next start`);
  } catch (err) {
    diskFaults.failed("run dir", err);
    logger.warn(`metrics: the points not delivered could not be kept: ${(err as Error).message}`);
  }
}

/** At start: queues what the previous run kept, on the same targets; the file is removed. */
export async function resendUnsent(rundir: string, hub: MetricsHub, logger: Logger): Promise<void> {
  const saved = await takeUnsent(rundir);
  if (Object.keys(saved).length === 0) return;
  const { queued, unknown } = hub.resend(saved);
  logger.info(
    `metrics: ${queued} point(s) kept by the last stop queued ` +
      `again${unknown > 0 ? `; ${unknown} for targets no longer configured dropped` : ""}`,
  );
}
