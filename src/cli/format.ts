// Human-readable renderings of the daemon's state for planctonctl.
import { engineLine, type StatusSnapshot } from "../daemon/report/status.js";
import type { PilotRecord } from "../daemon/report/history.js";
import { formatBytes, formatIsoTime } from "../config/units.js";
import { ABSENT_WHEN_MISSING } from "../host/variables.js";
import type { HostInfo } from "../host/host-info.js";

export function table(rows: string[][]): string {
  if (rows.length === 0) return "";
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "-";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, "0")}h`;
}

const pct = (v: number | undefined) => (v === undefined ? "?" : `${(v * 100).toFixed(0)}%`);

export function formatStatus(s: StatusSnapshot): string {
  const o = s.observation;
  const lines = [
    `plancton ${s.version}: running with PID ${s.pid} (instance ${s.instance}, ` +
      `up ${duration((s.nowMs - s.startedAtMs) / 1000)})`,
    `mode:     ${s.controlNote?.startsWith(s.mode) ? s.controlNote : s.mode}` +
      `${s.docker.available ? "" : ` (${s.docker.lastError ?? "Docker does not answer"})`}`,
    `host:     owner CPU ${pct(o.cpu_owner)} (5m ${pct(o.cpu_owner_5m)}), ` +
      `pilots CPU ${pct(o.cpu_pilots)}, Plancton's own ${pct(o.cpu_plancton)}, ` +
      `load ${o.load1?.toFixed(2) ?? "?"}, ` +
      `mem available ${o.mem_available_bytes === undefined ? "?" : formatBytes(o.mem_available_bytes)}, ` +
      `disk free ${pct(o.disk_free_ratio)}`,
    `engine:   ${engineLine(s.docker)}`,
    `machine:  ${describeHost(s.host)}`,
    `priority: ${s.cpuPriority.detail}`,
    ...Object.entries(s.giveBack ?? {}).map(([what, path]) => `give-back ${what}: ${path}`),
    `image:    ${s.image.name}${s.image.usable ? "" : " (not available)"}` +
      `${s.image.lastPullError ? ` - last pull failed: ${s.image.lastPullError}` : ""}`,
    `pilots:   ${s.pilots.filter((p) => p.state === "running").length} ` +
      `running, ${s.pilots.filter((p) => p.state === "paused").length} paused, max ${s.maxDocks}`,
  ];
  if (s.controlNote && !s.controlNote.startsWith(s.mode)) lines.push(`control:  ${s.controlNote}`);
  if (s.configAbsent)
    lines.push(`config:   ${s.configFile} absent: the defaults apply (planctonctl config check shows them)`);
  if (s.configError)
    lines.push(`config:   REJECTED (the previous one is in force): ${s.configError.split("\n")[0]}`);
  for (const w of s.configWarnings) lines.push(`warning:  ${w}`);
  for (const d of s.diskFaults ?? []) lines.push(`disk:     ${d}`);
  if (s.pilots.length > 0) {
    lines.push("");
    lines.push(
      table([
        ["ID", "NAME", "STATE", "UPTIME", "TTL LEFT"],
        ...s.pilots.map((p) => [
          p.id,
          p.name,
          p.state,
          duration(p.uptimeSeconds),
          duration(p.ttlLeftSeconds),
        ]),
      ]),
    );
  }
  lines.push("", "next:", ...s.decision.explain.map((l) => `  ${l}`));
  const url = s.remote?.url as
    { url: string; stale: boolean; staleSinceMs?: number; lastError?: string } | undefined;
  if (url)
    lines.push(
      `remote:   ${url.url}: ` +
        (url.stale
          ? `STALE since ${new Date(url.staleSinceMs ?? 0).toISOString()} (${url.lastError ?? "?"}); ` +
            `the last good copy is in force`
          : "current"),
    );
  const git = s.remote?.git as { lastError?: string; failingSinceMs?: number; refused?: string } | undefined;
  if (git) {
    const since = new Date(git.failingSinceMs ?? 0).toISOString();
    const failing = git.lastError ? `pull failing since ${since}: ${git.lastError}` : "up to date";
    lines.push(`git:      ${git.refused ?? failing}`);
  }
  if (s.prometheus)
    lines.push(
      `metrics:  Prometheus ${s.prometheus.url ?? s.prometheus.listen}` +
        `${s.prometheus.error ? ` NOT SERVED: ${s.prometheus.error}` : ""}`,
    );
  if (s.fleet)
    lines.push(
      `fleet:    ${s.fleet.name}: ` +
        (s.fleet.connected
          ? "registered in etcd"
          : `etcd unreachable` +
            (s.fleet.unreachableSinceMs === undefined
              ? ""
              : ` since ${new Date(s.fleet.unreachableSinceMs).toISOString()}`) +
            `${s.fleet.lastError ? ` (${s.fleet.lastError})` : ""}`) +
        (s.fleet.command
          ? `; last command: ${s.fleet.command.action} ` +
            `by ${s.fleet.command.who}${s.fleet.command.reason ? ` (${s.fleet.command.reason})` : ""}`
          : ""),
    );
  for (const m of s.metrics)
    lines.push(
      `metrics:  ${m.target}: ${m.delivered} delivered, ${m.buffered} buffered, ${m.dropped} ` +
        `dropped${m.lastError ? ` (last error: ${m.lastError})` : ""}`,
    );
  return lines.join("\n");
}

export function formatExplain(s: StatusSnapshot): string {
  const windowed = (n: string): boolean => /_(1m|5m|30m|1h|12h|1d)$/.test(n);
  // A desktop variable whose source is missing on this host reads "absent" (not 0).
  const names = [...new Set([...Object.keys(s.observation), ...ABSENT_WHEN_MISSING])].sort();
  const rows = names
    .filter((n) => !windowed(n))
    .map((n) => {
      const w = ["1m", "5m", "30m", "1h", "12h", "1d"].map((x) => s.observation[`${n}_${x}`]);
      return [n, n in s.observation ? fmt(s.observation[n]) : "absent", ...w.map(fmt)];
    });
  const missing = s.configWarnings.filter((w) => w.startsWith("host sampling:") && w.includes(" missing ("));
  return [
    `mode: ${s.mode}; engine: ${engineLine(s.docker)}; max_docks on this host: ${s.maxDocks}; ` +
      `priority: ${s.cpuPriority.detail}`,
    `machine: ${describeHost(s.host)}`,
    "",
    table([["VARIABLE", "NOW", "1m", "5m", "30m", "1h", "12h", "1d"], ...rows]),
    ...(missing.length > 0 ? ["", "sources missing on this host:", ...missing.map((w) => `  ${w}`)] : []),
    "",
    "decision:",
    ...s.decision.explain.map((l) => `  ${l}`),
  ].join("\n");
}

/** The static host facts in one line (status, explain). */
export function describeHost(h: HostInfo | undefined): string {
  if (!h) return "? (not gathered yet)";
  const cores =
    h.physicalCores !== h.cpuCores ? `${h.cpuCores} CPUs, ${h.physicalCores} cores` : `${h.cpuCores} CPUs`;
  const root = h.dockerRoot
    ? `, Docker data root ${h.dockerRoot.path} on ${h.dockerRoot.fsType} (${h.dockerRoot.device})`
    : "";
  return (
    `${h.cpuModel} (${cores}), ${formatBytes(h.memTotalBytes)} RAM, ${h.os}, ` +
    `kernel ${h.kernel} ${h.arch}${root}`
  );
}

function fmt(v: number | undefined): string {
  if (v === undefined) return "";
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) < 10 ? v.toFixed(3) : v.toFixed(1);
}

export function formatHistory(records: PilotRecord[]): string {
  if (records.length === 0) return "no finished pilot in this period";
  return table([
    ["NAME", "STARTED", "ENDED", "UPTIME", "EXIT", "REASON"],
    ...records.map((r) => [
      r.name,
      formatIsoTime(r.startedAtMs),
      formatIsoTime(r.endedAtMs),
      duration(r.uptimeSeconds),
      r.exitCode === null ? "-" : String(r.exitCode),
      r.reason + (r.oomKilled ? " (OOM)" : ""),
    ]),
  ]);
}
