// `planctonctl report`: what the pilots harvested over a period, from the history in
// logdir (streamed, bad lines skipped and counted). Exit codes as `history`'s: 0, or 2
// for an option that does not parse.
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseDurationSeconds } from "../config/units.js";
import type { LivePilot } from "../daemon/report/accounting-live.js";
import { readPidState } from "../daemon/process/pidfile.js";
import { queryStatus, STATUS_SOCKET } from "../daemon/report/status-server.js";
import type { AccountedRecord } from "../daemon/report/accounting-record.js";
import { ReportAggregator, type ReportBy } from "./report-aggregate.js";
import { csvLines, formatReport, pilotRow, summaryRecord, type PilotRow } from "./report-format.js";
import { readHarvestHours, readRecords } from "./report-records.js";
import type { ResolvedPaths } from "./paths-from-options.js";

export interface ReportOptions {
  since: string;
  until?: string;
  by: string;
  json?: boolean;
  csv?: boolean;
  /** commander's --no-chart: false. */
  chart: boolean;
}

const say = (s: string) => process.stdout.write(`${s}\n`);
const fail = (s: string) => process.stderr.write(`planctonctl: ${s}\n`);

/** A time: a duration before now ("30d") or an ISO date or date-time ("2026-11-01"). */
export function parseWhen(text: string, nowMs: number): number | undefined {
  const seconds = parseDurationSeconds(text);
  if (seconds !== undefined) return nowMs - seconds * 1000;
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) return undefined;
  const ms = Date.parse(text.trim());
  return Number.isFinite(ms) ? ms : undefined;
}

/** benchmark_per_core from the config file, when there is one and it sets it. */
async function benchmarkOf(p: ResolvedPaths): Promise<number | undefined> {
  if (!existsSync(p.configFile)) return undefined;
  const { loadConfigFile } = await import("../config/load.js");
  try {
    return (await loadConfigFile(p.configFile)).config.benchmark_per_core ?? undefined;
  } catch (err) {
    fail(`${p.configFile}: ${(err as Error).message.split("\n")[0]}; reporting without benchmark_per_core`);
    return undefined;
  }
}

async function runningPilots(p: ResolvedPaths): Promise<LivePilot[]> {
  if ((await readPidState(p.pidfile)).state !== "running") return [];
  const got = await queryStatus<unknown>(path.join(p.rundir, STATUS_SOCKET), "/usage").catch(() => []);
  return Array.isArray(got) ? (got as LivePilot[]).filter((l) => Number.isFinite(l?.cpuSeconds)) : [];
}

export async function report(p: ResolvedPaths, o: ReportOptions, nowMs = Date.now()): Promise<number> {
  const sinceMs = parseWhen(o.since, nowMs);
  const untilMs = o.until === undefined ? nowMs + 1 : parseWhen(o.until, nowMs);
  if (sinceMs === undefined || untilMs === undefined) {
    const which = sinceMs === undefined ? `since "${o.since}"` : `until "${o.until}"`;
    fail(`--${which} is not a duration (30d) or a date (2026-11-01)`);
    return 2;
  }
  if (o.by !== "day" && o.by !== "week" && o.by !== "image") {
    fail(`--by "${o.by}": day, week or image`);
    return 2;
  }
  if (o.json && o.csv) {
    fail("--json or --csv, not both");
    return 2;
  }
  const benchmark = await benchmarkOf(p);
  const host = os.hostname().split(".")[0] ?? "host";
  const agg = new ReportAggregator(o.by as ReportBy, benchmark);
  const rows: PilotRow[] = [];
  const perPilot = Boolean(o.json || o.csv);
  const stats = await readRecords(p.logdir, sinceMs, untilMs, (r: AccountedRecord) => {
    agg.add(r);
    if (perPilot) rows.push(pilotRow(host, r));
  });
  await readHarvestHours(p.logdir, sinceMs, untilMs, (hourMs, idle) => agg.addIdle(hourMs, idle));
  // Running pilots count so far, in the period of now (when the daemon answers).
  const live = untilMs > nowMs ? await runningPilots(p) : [];
  for (const l of live) agg.addLive(l, nowMs);
  const { periods, total } = agg.result();
  if (o.json) {
    say(
      JSON.stringify({
        host,
        since: new Date(sinceMs).toISOString(),
        until: new Date(Math.min(untilMs, nowMs)).toISOString(),
        skippedLines: stats.skipped,
        pilots: rows,
        periods: periods.map((s) => summaryRecord(host, s, benchmark)),
        total: summaryRecord(host, total, benchmark),
      }),
    );
  } else if (o.csv) {
    const summaries = [...periods, total].map((s) => summaryRecord(host, s, benchmark));
    say([...csvLines(rows), "", ...csvLines(summaries)].join("\n"));
  } else say(formatReport(periods, total, { chart: o.chart, skipped: stats.skipped }));
  if (stats.skipped > 0 && (o.json || o.csv)) fail(`${stats.skipped} history line(s) skipped`);
  return 0;
}
