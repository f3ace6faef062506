// The catalogue of observation variables: the names policy expressions may use.
// Pure data. The config loader validates expressions against it and the docs
// generator prints variablesTable(); the sampler fills exactly these names.

import { WINDOW_NAMES, WINDOWS } from "./rolling-window.js";

export interface ObservationVariable {
  readonly name: string;
  readonly unit: string;
  readonly doc: string;
}

export type { Observation } from "../vocabulary.js";

/** Instant variables, in catalogue order. CPU is a fraction of the whole machine (0..1). */
export const INSTANT_VARIABLES: readonly ObservationVariable[] = [
  {
    name: "cpu_total",
    unit: "fraction",
    doc:
      "Busy share of all CPUs since the previous sample (from /proc/stat; the first sample averages " +
      "since boot).",
  },
  {
    name: "cpu_pilots",
    unit: "fraction",
    doc:
      "Share of the whole machine's CPU used by Plancton's pilots since the previous sample (from " +
      "their cgroups).",
  },
  {
    name: "cpu_plancton",
    unit: "fraction",
    doc:
      "Share of the whole machine's CPU used by Plancton itself since the previous sample: the " +
      "daemon's process, and the container engine's processes while they work for the daemon " +
      "(launching, stopping, pulling; about 0.5 CPU-seconds a launch).",
  },
  {
    name: "cpu_owner",
    unit: "fraction",
    doc: "CPU used by everything but the pilots and Plancton: max(0, cpu_total - cpu_pilots - cpu_plancton).",
  },
  { name: "load1", unit: "tasks", doc: "1-minute load average (/proc/loadavg)." },
  { name: "load5", unit: "tasks", doc: "5-minute load average." },
  { name: "load15", unit: "tasks", doc: "15-minute load average." },
  {
    name: "mem_available_bytes",
    unit: "bytes",
    doc: "Memory available for new work without swapping (MemAvailable).",
  },
  { name: "mem_available_ratio", unit: "fraction", doc: "mem_available_bytes / ram_bytes." },
  {
    name: "mem_stall_some",
    unit: "fraction",
    doc:
      "Share of the time since the previous sample some task waited for memory (PSI some, from " +
      "/proc/pressure/memory's total; 0 on a kernel without PSI).",
  },
  {
    name: "mem_psi_some_avg10",
    unit: "percent",
    doc:
      "The kernel's 10 s average of the same memory stall, percent (PSI some avg10; 0 on a kernel " +
      "without PSI).",
  },
  { name: "swap_used_bytes", unit: "bytes", doc: "Swap in use (SwapTotal - SwapFree)." },
  {
    name: "disk_free_bytes",
    unit: "bytes",
    doc:
      "Free bytes available to unprivileged users, the minimum over the Docker data root and every " +
      "path in disk_paths.",
  },
  {
    name: "disk_free_ratio",
    unit: "fraction",
    doc:
      "Free share of the disk (available / size), the minimum over the Docker data root and every " +
      "path in disk_paths.",
  },
  { name: "ncpus", unit: "count", doc: "Number of online CPUs." },
  { name: "ram_bytes", unit: "bytes", doc: "Total RAM (MemTotal)." },
  { name: "swap_bytes", unit: "bytes", doc: "Total swap (SwapTotal)." },
  { name: "running", unit: "count", doc: "Pilots running (not paused)." },
  { name: "paused", unit: "count", doc: "Pilots paused (suspended)." },
  { name: "pilots", unit: "count", doc: "All pilots: running + paused." },
  { name: "hour", unit: "hour", doc: "Hour of the day, local time (0-23)." },
  {
    name: "minute",
    unit: "minute",
    doc: "Minute of the hour, local time (0-59); with hour, the time of day.",
  },
  { name: "weekday", unit: "day", doc: "Day of the week, local time (0 = Sunday .. 6 = Saturday)." },
  { name: "uptime_seconds", unit: "seconds", doc: "Time since the daemon started." },
  {
    name: "input_idle",
    unit: "seconds",
    doc:
      "Seconds since the last keyboard, mouse or touch input at this machine: the least of the input " +
      "interrupt counts' last change (/proc/interrupts: i8042, HID lines) and logind's idle hint of the " +
      "local sessions. Absent when neither source answers.",
  },
  {
    name: "input_sessions",
    unit: "count",
    doc:
      "Local graphical or console login sessions (logind: x11, wayland, tty at a seat). " +
      "Absent without logind.",
  },
  {
    name: "remote_sessions",
    unit: "count",
    doc: "Remote login sessions (logind: SSH). Absent without logind.",
  },
  {
    name: "on_battery",
    unit: "0/1",
    doc:
      "1 when no AC supply is online and a battery discharges (/sys/class/power_supply), else 0. " +
      "Absent without that directory.",
  },
  {
    name: "battery_percent",
    unit: "percent",
    doc:
      "Mean charge of the machine's batteries (/sys/class/power_supply/*/capacity). " +
      "Absent without a battery.",
  },
  {
    name: "sampled_at_ms",
    unit: "ms",
    doc: "When this sample was taken (ms since the epoch): the policy acts on a pressure reading once.",
  },
  {
    name: "sample_span_ms",
    unit: "ms",
    doc:
      "The time this sample's CPU shares cover: since the previous sample (sample_interval, or " +
      "less when the give-back watch or a key press sampled early). Absent on the first sample.",
  },
];

/** Filled by the daemon, not the sampler: pilot counts (its pilot list) and local time (of sampled_at_ms). */
export const DAEMON_FILLED: ReadonlySet<string> = new Set([
  "running",
  "paused",
  "pilots",
  "hour",
  "minute",
  "weekday",
]);

/** Absent, not 0, while their source is missing on this host (host/desktop-sources.ts). */
export const ABSENT_WHEN_MISSING: ReadonlySet<string> = new Set([
  "input_idle",
  "input_sessions",
  "remote_sessions",
  "on_battery",
  "battery_percent",
]);

/** Signals that also have one rolling mean per window: `<name>_<window>`. */
export const WINDOWED_SIGNALS = [
  "cpu_total",
  "cpu_owner",
  "cpu_pilots",
  "load1",
  "load5",
  "load15",
  "mem_available_bytes",
  "mem_available_ratio",
  "swap_used_bytes",
  "disk_free_bytes",
  "disk_free_ratio",
  "input_idle",
  "input_sessions",
  "remote_sessions",
  "on_battery",
  "battery_percent",
] as const;

export type WindowedSignal = (typeof WINDOWED_SIGNALS)[number];

/** Shares of a span (the CPU): their means weigh each sample by its span, a time average. */
export const SPAN_WEIGHTED: ReadonlySet<WindowedSignal> = new Set(["cpu_total", "cpu_owner", "cpu_pilots"]);

export function windowedName(signal: string, window: string): string {
  return `${signal}_${window}`;
}

function describeSpan(seconds: number): string {
  if (seconds % 86400 === 0) return seconds === 86400 ? "day" : `${seconds / 86400} days`;
  if (seconds % 3600 === 0) return seconds === 3600 ? "hour" : `${seconds / 3600} hours`;
  return seconds === 60 ? "minute" : `${seconds / 60} minutes`;
}

function instantVariable(name: string): ObservationVariable {
  const found = INSTANT_VARIABLES.find((v) => v.name === name);
  if (!found) throw new Error(`windowed signal ${name} is not an instant variable`);
  return found;
}

export const WINDOWED_VARIABLES: readonly ObservationVariable[] = WINDOWED_SIGNALS.flatMap((signal) => {
  const base = instantVariable(signal);
  return WINDOW_NAMES.map((w) => ({
    name: windowedName(signal, w),
    unit: base.unit,
    doc:
      `Mean of ${signal} over the last ${describeSpan(WINDOWS[w])}` +
      `${SPAN_WEIGHTED.has(signal) ? ", each sample weighed by its sample_span_ms" : ""} (the instant ` +
      `value while the window is still empty).`,
  }));
});

export const OBSERVATION_VARIABLES: readonly ObservationVariable[] = [
  ...INSTANT_VARIABLES,
  ...WINDOWED_VARIABLES,
];

export const OBSERVATION_VARIABLE_NAMES: readonly string[] = OBSERVATION_VARIABLES.map((v) => v.name);

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** Markdown table of the catalogue; windowed variables grouped in one row per signal. */
export function variablesTable(): string {
  const rows = [
    "| name | unit | meaning |",
    "|---|---|---|",
    ...INSTANT_VARIABLES.map((v) => `| \`${v.name}\` | ${v.unit} | ${cell(v.doc)} |`),
    ...WINDOWED_SIGNALS.map((s) => {
      const base = instantVariable(s);
      return (
        `| \`${s}_{${WINDOW_NAMES.join(",")}}\` | ${base.unit} | Rolling mean of \`${s}\` over the ` +
        `last ${WINDOW_NAMES.join(" / ")}; the instant value while a window is still empty. |`
      );
    }),
  ];
  return rows.join("\n") + "\n";
}
