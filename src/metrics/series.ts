// The series Plancton writes: one table (SERIES) that documents them, fixes each
// field's line-protocol type, and is checked against the builders (series-points.ts)
// by the tests.
import { ACCOUNTING_SERIES } from "./series-accounting.js";

export type SeriesType = "float" | "int" | "bool" | "string";

export interface SeriesEntry {
  measurement: string;
  kind: "tag" | "field";
  name: string;
  /** Line-protocol type of a field; tags are always "string". */
  type: SeriesType;
  unit: string;
  doc: string;
}

// Values of the original's `started`/`killed` tags. Plancton 0.6 wrote Python booleans
// through "%s", i.e. "True"/"False" (plancton/__init__.py, `"started": True`); existing
// dashboards compare against these strings, so they are kept as they were.
const TRUE_TAG = "True";
const FALSE_TAG = "False";
export function boolTag(value: boolean): string {
  return value ? TRUE_TAG : FALSE_TAG;
}

const HOSTNAME_DOC = "short host name of the machine running Plancton (added to every point)";
const hostnameTag = (measurement: string): SeriesEntry => ({
  measurement,
  kind: "tag",
  name: "hostname",
  type: "string",
  unit: "",
  doc: HOSTNAME_DOC,
});
const tag = (measurement: string, name: string, doc: string): SeriesEntry => ({
  measurement,
  kind: "tag",
  name,
  type: "string",
  unit: "",
  doc,
});
const field = (
  measurement: string,
  name: string,
  type: SeriesType,
  unit: string,
  doc: string,
): SeriesEntry => ({ measurement, kind: "field", name, type, unit, doc });

// Compatibility: the original wrote every number without the "i" suffix, so its fields are
// floats in existing databases; writing them as integers now would fail with "field type
// conflict" until the shard rolls over. The original three keep float; new fields use int.
const COMPAT = " (float, as the original wrote it)";

const CPU_WINDOWS = ["", "_5m", "_1h"] as const;
const cpuFields = (): SeriesEntry[] =>
  (["total", "owner", "pilots"] as const).flatMap((who) =>
    CPU_WINDOWS.map((w) =>
      field(
        "host",
        `cpu_${who}${w}`,
        "float",
        "fraction 0..1",
        (who === "total"
          ? "busy CPU of the whole machine"
          : who === "owner"
            ? "CPU used by everything but the pilots"
            : "CPU used by the pilots") +
          (`, as a fraction of all ` +
            `CPUs, ${w === "" ? "since the previous sample" : `averaged over ${w.slice(1)}`}`),
      ),
    ),
  );

export const SERIES: readonly SeriesEntry[] = [
  hostnameTag("daemon"),
  field("daemon", "uptime", "float", "s", "seconds since the daemon started" + COMPAT),
  field("daemon", "containers", "float", "count", "running pilots" + COMPAT),
  field("daemon", "paused", "int", "count", "paused pilots"),
  field(
    "daemon",
    "status",
    "string",
    "",
    "active | draining | waiting | stopping | force_stopping | crash_loop",
  ),
  field("daemon", "cpu_priority", "string", "", "pilots' CPU priority: idle | normal"),
  field(
    "daemon",
    "fast_exits",
    "int",
    "count",
    "consecutive pilots that failed (non-zero exit, OOM) within 10 s of their start; while > 0, " +
      "launches back off (crash loop)",
  ),
  field(
    "daemon",
    "engine",
    "string",
    "",
    "container engine behind the Docker API: docker | podman (left out until it answered)",
  ),
  tag("daemon", "cpu_model", "CPU model of the machine (static host facts, gathered once at start)"),
  tag("daemon", "os", "distribution and release, e.g. Debian GNU/Linux 12"),
  tag("daemon", "kernel", "kernel release"),
  tag("daemon", "arch", "CPU architecture, e.g. x64"),
  tag("daemon", "docker_fs", "filesystem type of Docker's data root, e.g. ext4, xfs, overlay"),
  field("daemon", "cpu_cores", "int", "count", "logical CPUs of the machine"),
  field("daemon", "mem_total_bytes", "int", "bytes", "RAM of the machine"),

  hostnameTag("measurement"),
  field(
    "measurement",
    "cpu_eff",
    "float",
    "percent",
    "busy CPU of the whole machine since the previous loop, 0..100 (the original's CPU efficiency)",
  ),

  hostnameTag("container"),
  tag("container", "started", 'whether the pilot ever ran: "True" | "False" (the original\'s values)'),
  tag("container", "killed", 'whether Plancton killed it (rather than it exiting): "True" | "False"'),
  tag("container", "name", "pilot container name"),
  tag(
    "container",
    "reason",
    "why it ended: exited | fast_exit (failed within 10 s of its start) | never_started | ttl | " +
      "overhead | mem_pressure | disk_pressure | force_stop | schedule | evict_when | ...",
  ),
  field("container", "uptime", "float", "s", "how long the pilot ran, written when it is removed" + COMPAT),
  field("container", "exit_code", "int", "", "the pilot's exit code, when known"),

  hostnameTag("host"),
  ...cpuFields(),
  field("host", "load1", "float", "", "load average over 1 min"),
  field("host", "load5", "float", "", "load average over 5 min"),
  field("host", "load15", "float", "", "load average over 15 min"),
  field("host", "mem_available_bytes", "int", "bytes", "available memory (MemAvailable)"),
  field("host", "swap_used_bytes", "int", "bytes", "swap in use"),
  field(
    "host",
    "disk_free_bytes",
    "int",
    "bytes",
    "free space on the fullest watched disk (Docker's data root and disk_paths)",
  ),
  field("host", "disk_free_ratio", "float", "fraction 0..1", "free share of the fullest watched disk"),

  hostnameTag("pilot_event"),
  tag("pilot_event", "event", "started | exited | killed | paused | resumed"),
  tag(
    "pilot_event",
    "reason",
    "ttl | overhead | mem_pressure | disk_pressure | force_stop | exited | fast_exit | schedule | " +
      "evict_when | never_started | ... (empty for started)",
  ),
  tag(
    "pilot_event",
    "name",
    "pilot container name (a tag so that two events in the same millisecond stay two points)",
  ),
  field("pilot_event", "uptime", "float", "s", "pilot age at the event (0 when started)"),
  field("pilot_event", "exit_code", "int", "", "exit code, for exited and killed pilots when known"),

  hostnameTag("image_pull"),
  tag("image_pull", "image", "repository:tag pulled"),
  tag("image_pull", "result", "ok | error"),
  field("image_pull", "duration_ms", "float", "ms", "time the pull took"),
  field("image_pull", "error", "string", "", "error message of a failed pull"),

  hostnameTag("tick"),
  field("tick", "duration_ms", "float", "ms", "time one loop took (observe, decide, act)"),
  field("tick", "docker_api_calls", "int", "count", "Docker API calls made by the loop"),
  field("tick", "started", "int", "count", "pilots started by the loop"),
  field("tick", "killed", "int", "count", "pilots killed by the loop"),
  field("tick", "paused", "int", "count", "pilots paused by the loop"),
  field("tick", "resumed", "int", "count", "pilots resumed by the loop"),

  hostnameTag("metrics"),
  tag("metrics", "target", "metrics target (URL without credentials, database or bucket)"),
  field("metrics", "buffered", "int", "points", "points waiting for this target"),
  field("metrics", "delivered", "int", "points", "points delivered since start"),
  field(
    "metrics",
    "dropped",
    "int",
    "points",
    "points lost since start (buffer full, refused by the server)",
  ),
  field("metrics", "retries", "int", "count", "failed attempts retried since start"),
  ...ACCOUNTING_SERIES,
];

const FIELD_TYPES: ReadonlyMap<string, SeriesType> = new Map(
  SERIES.filter((s) => s.kind === "field").map((s) => [`${s.measurement}\u0000${s.name}`, s.type]),
);

/** The declared type of a field, or undefined for a field SERIES does not know. */
export function fieldType(measurement: string, name: string): SeriesType | undefined {
  return FIELD_TYPES.get(`${measurement}\u0000${name}`);
}

/** SERIES as a Markdown table, for the docs (generated, so it cannot drift). */
export function seriesTable(): string {
  const cell = (s: string): string => s.replace(/\|/g, "\\|");
  const rows = SERIES.map(
    (s) =>
      `| ${s.measurement} | ${s.kind} | ${s.name} | ${s.kind === "tag" ? "tag" : s.type} ` +
      `| ${cell(s.unit)} | ${cell(s.doc)} |`,
  );
  return (
    ["| measurement | kind | name | type | unit | meaning |", "|---|---|---|---|---|---|", ...rows].join(
      "\n",
    ) + "\n"
  );
}
