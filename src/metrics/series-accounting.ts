// The accounting series: each pilot image's CPU seconds and the CPU seconds of work lost,
// by cause, as running totals (Prometheus counters: rate() and increase() in the query;
// in InfluxDB, non_negative_difference() over the field). Totals restart from 0 when
// the daemon restarts, as a counter does.
import type { SeriesEntry } from "./series.js";
import type { MetricPoint } from "./metric-types.js";

const entry = (
  measurement: string,
  kind: "tag" | "field",
  name: string,
  unit: string,
  doc: string,
): SeriesEntry => ({ measurement, kind, name, type: kind === "tag" ? "string" : "float", unit, doc });

const HOSTNAME = "short host name of the machine running Plancton (added to every point)";

export const ACCOUNTING_SERIES: readonly SeriesEntry[] = [
  entry("pilots", "tag", "hostname", "", HOSTNAME),
  entry("pilots", "tag", "image", "", "the pilots' image"),
  entry(
    "pilots",
    "field",
    "cpu_seconds_total",
    "s",
    "CPU seconds the pilots of this image used since the daemon started, from their cgroups (a counter)",
  ),
  entry("pilots_lost", "tag", "hostname", "", HOSTNAME),
  entry(
    "pilots_lost",
    "tag",
    "cause",
    "",
    "why the work was lost: overhead | mem_pressure | disk_pressure | suspend_expired " +
      "(the owner's give-back) | schedule | evict_when | force_stop",
  ),
  entry(
    "pilots_lost",
    "field",
    "cpu_seconds_total",
    "s",
    "CPU seconds of pilots killed before their end, since the daemon started (a counter)",
  ),
];

/** Measurements whose fields are running totals: counters in Prometheus. */
export const TOTAL_MEASUREMENTS: ReadonlySet<string> = new Set(["pilots", "pilots_lost"]);

/** `pilots` and `pilots_lost`: one point per image and per cause, after each host sample. */
export function accountingPoints(
  cpuByImage: ReadonlyMap<string, number>,
  lostByCause: ReadonlyMap<string, number>,
  timeMs: number,
): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const [image, seconds] of cpuByImage)
    points.push({ measurement: "pilots", tags: { image }, fields: { cpu_seconds_total: seconds }, timeMs });
  for (const [cause, seconds] of lostByCause)
    points.push({
      measurement: "pilots_lost",
      tags: { cause },
      fields: { cpu_seconds_total: seconds },
      timeMs,
    });
  return points;
}
