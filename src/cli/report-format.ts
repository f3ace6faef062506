// `planctonctl report`'s outputs: a readable table with a one-line chart per row (Unicode
// blocks), CSV, and JSON; the rows of CSV and JSON are per pilot and per period, the
// periods shaped like an accounting summary record (APEL's: jobs, wall, CPU, normalised).
import type { AccountedRecord } from "../daemon/report/accounting-record.js";
import type { Summary } from "./report-aggregate.js";
import { duration, table } from "./format.js";

const BLOCKS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
const CHART_WIDTH = 20;

/** A bar of `width` cells for value/max, in eighths of a cell. */
export function bar(value: number, max: number, width = CHART_WIDTH): string {
  if (!(max > 0) || !(value > 0)) return "";
  const eighths = Math.round((Math.min(value, max) / max) * width * 8);
  return "█".repeat(Math.floor(eighths / 8)) + BLOCKS[eighths % 8];
}

const hours = (seconds: number): string => (seconds / 3600).toFixed(seconds < 36 ? 3 : 2);

export function formatReport(
  periods: Summary[],
  total: Summary,
  opts: { chart: boolean; skipped: number },
): string {
  if (total.pilots === 0) return "no pilot in this period";
  const max = Math.max(...periods.map((p) => p.cpuSeconds));
  const norm = total.normalisedCpuSeconds !== undefined;
  const head = [
    "PERIOD",
    "PILOTS",
    "CORE-H",
    ...(norm ? ["NORM-H"] : []),
    "HARVEST",
    "LOST-H",
    "KILLS",
    "PAUSES",
  ];
  const row = (s: Summary, chart: boolean): string[] => [
    s.period,
    String(s.pilots) + (s.running > 0 ? ` (${s.running} running)` : ""),
    hours(s.cpuSeconds),
    ...(norm ? [hours(s.normalisedCpuSeconds ?? 0)] : []),
    s.harvestRatio === null ? "-" : `${(s.harvestRatio * 100).toFixed(0)}%`,
    hours(s.lostCpuSeconds),
    String(s.giveBackKills),
    String(s.pauses),
    ...(chart ? [bar(s.cpuSeconds, max)] : []),
  ];
  const lines = [
    table([
      [...head, ...(opts.chart ? ["CORE-HOURS HARVESTED"] : [])],
      ...periods.map((p) => row(p, opts.chart)),
      row(total, false),
    ]),
    "",
    `median pilot life ${duration(total.medianLifeSeconds)}; wall ${hours(total.wallSeconds)} h; ` +
      `HARVEST: the pilots' CPU over the idle CPU the host had`,
  ];
  const causes = Object.entries(total.lostByCause);
  if (causes.length > 0)
    lines.push(`lost to: ${causes.map(([c, s]) => `${c} ${hours(s)} core-h`).join(", ")}`);
  if (opts.skipped > 0) lines.push(`${opts.skipped} history line(s) skipped (torn or not a record)`);
  return lines.join("\n");
}

export interface PilotRow {
  host: string;
  pilot: string;
  image: string;
  start: string;
  end: string;
  wall_s: number;
  cpu_s: number;
  end_reason: string;
}

export function pilotRow(host: string, r: AccountedRecord): PilotRow {
  return {
    host,
    pilot: r.name,
    image: r.image,
    start: new Date(r.startedAtMs).toISOString(),
    end: new Date(r.endedAtMs).toISOString(),
    wall_s: r.wallSeconds ?? (r.endedAtMs - r.startedAtMs) / 1000,
    cpu_s: r.cpuSeconds ?? 0,
    end_reason: r.reason,
  };
}

/** A period as an accounting summary record (hours, as APEL's summaries count them). */
export function summaryRecord(host: string, s: Summary, benchmarkPerCore?: number) {
  return {
    host,
    period: s.period,
    number_of_pilots: s.pilots,
    running: s.running,
    wall_hours: s.wallSeconds / 3600,
    cpu_hours: s.cpuSeconds / 3600,
    ...(benchmarkPerCore !== undefined
      ? { benchmark_per_core: benchmarkPerCore, normalised_cpu_hours: (s.normalisedCpuSeconds ?? 0) / 3600 }
      : {}),
    idle_cpu_hours: s.idleCoreSeconds / 3600,
    harvest_ratio: s.harvestRatio,
    lost_cpu_hours: s.lostCpuSeconds / 3600,
    lost_by_cause_hours: Object.fromEntries(Object.entries(s.lostByCause).map(([c, v]) => [c, v / 3600])),
    give_back_kills: s.giveBackKills,
    pauses: s.pauses,
    median_life_s: s.medianLifeSeconds,
  };
}

/** A CSV field: quoted when it holds a comma, quote or newline; a leading =+-@ defused (spreadsheets). */
export function csvField(v: unknown): string {
  let s = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  if (/^[=+\-@]/.test(s) && typeof v === "string") s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLines(rows: readonly object[]): string[] {
  if (rows.length === 0) return [];
  const keys = Object.keys(rows[0]!);
  return [
    keys.join(","),
    ...rows.map((r) => keys.map((k) => csvField((r as Record<string, unknown>)[k])).join(",")),
  ];
}
