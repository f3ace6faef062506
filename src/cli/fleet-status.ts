// planctonctl fleet status: a table (or --json) of every host. Nothing read from etcd
// reaches the terminal unescaped: every cell goes through escapeText (ANSI and other
// control characters shown as \xNN); JSON escapes C0 itself, and C1 and bidi controls
// are escaped after it.
import type { FleetListing, HostRow, UnreadableRow } from "../fleet/fleet-view.js";
import { duration, table } from "./format.js";
import { say, withEtcd, type ConnOptions } from "./fleet-connect.js";
import type { ResolvedPaths } from "./paths-from-options.js";

export function fleetStatus(p: ResolvedPaths, o: ConnOptions, json: boolean): Promise<number> {
  return withEtcd(p, o, async ({ client, prefix }) => {
    const [{ listFleet, summarize }, { escapeJson, escapeText }, { retryTransient }] = await Promise.all([
      import("../fleet/fleet-view.js"),
      import("../fleet/safe-text.js"),
      import("../fleet/transient-retry.js"),
    ]);
    const l = await retryTransient(() => listFleet(client, prefix, Date.now()));
    const summary = summarize(l);
    if (json) {
      const unreadable = l.unreadable.map(({ name, state, problem }) => ({ name, state, problem }));
      await say(escapeJson(JSON.stringify({ hosts: l.hosts, unreadable, summary })));
      return 0;
    }
    if (l.hosts.length + l.unreadable.length > 0) await say(formatHosts(l, escapeText));
    await say(
      `${summary.up} host(s) up, ${summary.gone} gone; ${summary.running} pilot(s) running, ` +
        `${summary.paused} paused; ${summary.harvestedCores} idle core(s) harvested, ` +
        `${summary.coreHours24h} core-hour(s) in 24 h` +
        (summary.unreadable ? `; ${summary.unreadable} unreadable record(s)` : "") +
        (summary.oversized ? `; ${summary.oversized} record(s) over 4 KiB skipped` : ""),
    );
    return 0;
  });
}

function formatHosts(l: FleetListing, escape: (s: string) => string): string {
  const pct = (v: number | null) => (v === null ? "?" : `${Math.round(v * 100)}%`);
  const row = (h: HostRow) => [
    h.name,
    h.state,
    h.mode,
    `${h.running}/${h.max}${h.paused ? ` +${h.paused} paused` : ""}`,
    pct(h.ownerCpu),
    h.coreHours24h === undefined || h.coreHours24h === null ? "?" : String(h.coreHours24h),
    h.version,
    `${duration(h.seenAgoSeconds)} ago`,
    h.command?.action ?? "-",
  ];
  const bad = (h: UnreadableRow) => [h.name, h.state, "unreadable", "-", "-", "-", "-", "-", h.problem];
  const rows = [
    ...l.hosts.map((h) => ({ name: h.name, cells: row(h) })),
    ...l.unreadable.map((h) => ({ name: h.name, cells: bad(h) })),
  ];
  rows.sort((a, b) => a.name.localeCompare(b.name));
  return table([
    ["NAME", "STATE", "MODE", "PILOTS", "OWNER CPU", "CORE-H 24H", "VERSION", "SEEN", "COMMAND"],
    ...rows.map((r) => r.cells.map(escape)),
  ]);
}
