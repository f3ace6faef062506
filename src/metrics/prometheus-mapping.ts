// How the series of series.ts read in Prometheus: derived from SERIES by a few rules,
// so /metrics and InfluxDB carry the same figures and cannot drift apart.
// - A state measurement (daemon, host, tick, ...): each number field is a gauge
//   plancton_<measurement>_<field> holding the last value written, labelled by the
//   measurement's tags; a string field (daemon status) is a gauge set to 1 for its
//   current value, in a label named after the field.
// - An event measurement (container, pilot_event, image_pull): a counter
//   plancton_<measurement>_total of points, and a counter ..._<field>_sum of each
//   duration field, so rate(sum) / rate(total) is the mean.
// - A totals measurement (pilots, pilots_lost): each field is a running total, a counter
//   plancton_<measurement>_<field> raised by the growth of the total.
// Left out: the pilot `name` tag (one series per pilot would grow without end) and
// event fields that do not add up (exit_code, error).
import { SERIES, type SeriesEntry } from "./series.js";
import { TOTAL_MEASUREMENTS } from "./series-accounting.js";
import type { MetricPoint } from "./metric-types.js";

export interface PromMetricSpec {
  name: string;
  type: "gauge" | "counter";
  help: string;
  labelNames: string[];
  measurement: string;
  /** The field it reads; undefined for an event counter (it counts points). */
  field?: string;
  /** For a string field: its value goes in the label of this name, the gauge is 1. */
  stateLabel?: string;
  /** The field is a running total: the counter goes up by its growth. */
  total?: boolean;
}

const EVENT_MEASUREMENTS: ReadonlySet<string> = new Set(["container", "pilot_event", "image_pull"]);
const DROPPED_TAGS: ReadonlySet<string> = new Set(["name"]);
const NOT_SUMMED: ReadonlySet<string> = new Set(["exit_code", "error"]);

const PREFIX = "plancton_";

/** The field's name with its unit where Prometheus' naming wants one (seconds). */
function withUnit(e: SeriesEntry): string {
  return e.unit === "s" && !e.name.endsWith("_seconds") ? `${e.name}_seconds` : e.name;
}

function build(): PromMetricSpec[] {
  const out: PromMetricSpec[] = [];
  const measurements = [...new Set(SERIES.map((s) => s.measurement))];
  for (const m of measurements) {
    const entries = SERIES.filter((s) => s.measurement === m);
    const labelNames = entries
      .filter((s) => s.kind === "tag" && !DROPPED_TAGS.has(s.name))
      .map((s) => s.name);
    const fields = entries.filter((s) => s.kind === "field");
    if (TOTAL_MEASUREMENTS.has(m)) {
      for (const f of fields)
        out.push({
          name: `${PREFIX}${m}_${f.name}`,
          type: "counter",
          help: f.doc,
          labelNames,
          measurement: m,
          field: f.name,
          total: true,
        });
      continue;
    }
    if (EVENT_MEASUREMENTS.has(m)) {
      out.push({
        name: `${PREFIX}${m}_total`,
        type: "counter",
        help: `${m} points written (one per event)`,
        labelNames,
        measurement: m,
      });
      for (const f of fields.filter((s) => s.type === "float" && !NOT_SUMMED.has(s.name))) {
        out.push({
          name: `${PREFIX}${m}_${withUnit(f)}_sum`,
          type: "counter",
          help: `sum of: ${f.doc}`,
          labelNames,
          measurement: m,
          field: f.name,
        });
      }
      continue;
    }
    for (const f of fields) {
      const name = `${PREFIX}${m}_${withUnit(f)}`;
      if (f.type === "string")
        out.push({
          name,
          type: "gauge",
          help: `1 for the current value of: ${f.doc}`,
          labelNames: [...labelNames, f.name],
          measurement: m,
          field: f.name,
          stateLabel: f.name,
        });
      else
        out.push({
          name,
          type: "gauge",
          help: f.doc + (f.unit && f.unit !== "s" ? ` (${f.unit})` : ""),
          labelNames,
          measurement: m,
          field: f.name,
        });
    }
  }
  return out;
}

export const PROM_METRICS: readonly PromMetricSpec[] = build();

/** What one point does to the metrics: a gauge set, a counter increased, a state switched. */
export type PromUpdate =
  | { kind: "set"; spec: PromMetricSpec; labels: Record<string, string>; value: number }
  | { kind: "inc"; spec: PromMetricSpec; labels: Record<string, string>; value: number }
  | { kind: "total"; spec: PromMetricSpec; labels: Record<string, string>; value: number }
  | { kind: "state"; spec: PromMetricSpec; labels: Record<string, string> };

const BY_MEASUREMENT = new Map<string, PromMetricSpec[]>();
for (const spec of PROM_METRICS)
  BY_MEASUREMENT.set(spec.measurement, [...(BY_MEASUREMENT.get(spec.measurement) ?? []), spec]);

/** The updates a point makes; `extraLabels` (hostname) are added to every one. */
export function promUpdates(point: MetricPoint, extraLabels: Record<string, string>): PromUpdate[] {
  const updates: PromUpdate[] = [];
  for (const spec of BY_MEASUREMENT.get(point.measurement) ?? []) {
    const labels: Record<string, string> = { ...extraLabels };
    for (const l of spec.labelNames) if (point.tags[l] !== undefined) labels[l] = point.tags[l];
    if (spec.field === undefined) {
      updates.push({ kind: "inc", spec, labels, value: 1 });
      continue;
    }
    const v = point.fields[spec.field];
    if (v === undefined) continue;
    if (spec.stateLabel !== undefined)
      updates.push({ kind: "state", spec, labels: { ...labels, [spec.stateLabel]: String(v) } });
    else if (typeof v === "number" && Number.isFinite(v))
      updates.push({
        kind: spec.total ? "total" : spec.type === "counter" ? "inc" : "set",
        spec,
        labels,
        value: v,
      });
  }
  return updates;
}

/** PROM_METRICS as a Markdown table, for docs/METRICS.md (generated). */
export function promTable(): string {
  const rows = PROM_METRICS.map(
    (p) =>
      `| ${p.name} | ${p.type} | ${p.labelNames.join(", ")} ` +
      `| ${p.measurement}${p.field ? `.${p.field}` : ""} | ${p.help.replace(/\|/g, "\\|")} |`,
  );
  return (
    [
      "| metric | type | labels | from (measurement.field) | meaning |",
      "|---|---|---|---|---|",
      ...rows,
    ].join("\n") + "\n"
  );
}
