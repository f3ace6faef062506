// Builders of the points of each series in SERIES (series.ts): plain data in, a
// MetricPoint out; MetricsHub adds the `hostname` tag.
import { boolTag } from "./series.js";
import type { MetricPoint, SinkStats } from "./metric-types.js";

export type DaemonStatus = "active" | "draining" | "waiting" | "stopping" | "force_stopping" | (string & {});
export type PilotEvent = "started" | "exited" | "killed" | "paused" | "resumed";
export type PilotReason =
  | "ttl"
  | "overhead"
  | "mem_pressure"
  | "disk_pressure"
  | "force_stop"
  | "exited"
  | "never_started"
  | "schedule"
  | "evict_when"
  | (string & {});

/** Static facts of the machine (host/host-info.ts), as the daemon series carries them. */
export interface DaemonHost {
  cpuModel: string;
  os: string;
  kernel: string;
  arch: string;
  dockerFs?: string;
  cpuCores: number;
  memTotalBytes: number;
}

export interface DaemonSample {
  uptimeSeconds: number;
  runningPilots: number;
  pausedPilots: number;
  status: DaemonStatus;
  cpuPriority: "idle" | "normal";
  /** Left out until gathered. */
  host?: DaemonHost;
  /** Consecutive fast exits (0: no crash loop). */
  fastExits?: number;
  /** "docker" or "podman"; undefined until the engine answered. */
  engine?: string;
}

/** `daemon`: one point per loop. */
export function daemonPoint(d: DaemonSample, timeMs: number): MetricPoint {
  const tags: Record<string, string> = {};
  const fields: MetricPoint["fields"] = {
    uptime: d.uptimeSeconds,
    containers: d.runningPilots,
    paused: d.pausedPilots,
    status: d.status,
    cpu_priority: d.cpuPriority,
    ...(d.fastExits === undefined ? {} : { fast_exits: d.fastExits }),
  };
  if (d.engine) fields["engine"] = d.engine;
  const h = d.host;
  if (h) {
    // Line protocol has no empty tag values: an unknown fact is left out.
    for (const [k, v] of Object.entries({
      cpu_model: h.cpuModel,
      os: h.os,
      kernel: h.kernel,
      arch: h.arch,
      docker_fs: h.dockerFs,
    }))
      if (v) tags[k] = v;
    Object.assign(fields, { cpu_cores: h.cpuCores, mem_total_bytes: h.memTotalBytes });
  }
  return { measurement: "daemon", tags, fields, timeMs };
}

/**
 * `measurement`: the original's CPU efficiency; input as a fraction of all CPUs (0..1), written in percent.
 */
export function measurementPoint(m: { cpuBusy: number }, timeMs: number): MetricPoint {
  return { measurement: "measurement", tags: {}, fields: { cpu_eff: m.cpuBusy * 100 }, timeMs };
}

export interface ContainerEnd {
  name: string;
  /** Whether the pilot ever ran. */
  started: boolean;
  /** Whether Plancton killed it (false: it exited, or never started). */
  killed: boolean;
  uptimeSeconds: number;
  reason: PilotReason;
  exitCode?: number;
}

/** `container`: one point when a pilot is removed (the original's series, plus name, reason, exit code). */
export function containerPoint(c: ContainerEnd, timeMs: number): MetricPoint {
  const fields: MetricPoint["fields"] = { uptime: c.uptimeSeconds };
  if (c.exitCode !== undefined) fields.exit_code = c.exitCode;
  return {
    measurement: "container",
    tags: { started: boolTag(c.started), killed: boolTag(c.killed), name: c.name, reason: c.reason },
    fields,
    timeMs,
  };
}

/** CPU figures are fractions of the whole machine (0..1); window averages are left out while unknown. */
export interface HostSample {
  cpuTotal: number;
  cpuOwner: number;
  cpuPilots: number;
  /** The daemon's and the engine's own CPU (for the daemon), not the owner's. */
  cpuPlancton?: number;
  cpuTotal5m?: number;
  cpuOwner5m?: number;
  cpuPilots5m?: number;
  cpuTotal1h?: number;
  cpuOwner1h?: number;
  cpuPilots1h?: number;
  load1: number;
  load5: number;
  load15: number;
  memAvailableBytes: number;
  swapUsedBytes: number;
  diskFreeBytes?: number;
  diskFreeRatio?: number;
}

/** `host`: what the host sampler observed, with the window averages the policy uses. */
export function hostPoint(h: HostSample, timeMs: number): MetricPoint {
  const all: Record<string, number | undefined> = {
    cpu_total: h.cpuTotal,
    cpu_owner: h.cpuOwner,
    cpu_pilots: h.cpuPilots,
    cpu_plancton: h.cpuPlancton,
    cpu_total_5m: h.cpuTotal5m,
    cpu_owner_5m: h.cpuOwner5m,
    cpu_pilots_5m: h.cpuPilots5m,
    cpu_total_1h: h.cpuTotal1h,
    cpu_owner_1h: h.cpuOwner1h,
    cpu_pilots_1h: h.cpuPilots1h,
    load1: h.load1,
    load5: h.load5,
    load15: h.load15,
    mem_available_bytes: h.memAvailableBytes,
    swap_used_bytes: h.swapUsedBytes,
    disk_free_bytes: h.diskFreeBytes,
    disk_free_ratio: h.diskFreeRatio,
  };
  return { measurement: "host", tags: {}, fields: definedNumbers(all), timeMs };
}

export interface PilotEventSample {
  event: PilotEvent;
  name: string;
  /** Pilot age at the event; 0 for "started". */
  uptimeSeconds: number;
  /** Why (killed, paused, resumed, exited); omitted for "started". */
  reason?: PilotReason;
  exitCode?: number;
}

/** `pilot_event`: one point per lifecycle event of a pilot. */
export function pilotEventPoint(e: PilotEventSample, timeMs: number): MetricPoint {
  const tags: Record<string, string> = { event: e.event, name: e.name };
  if (e.reason !== undefined && e.reason !== "") tags.reason = e.reason;
  const fields: MetricPoint["fields"] = { uptime: e.uptimeSeconds };
  if (e.exitCode !== undefined) fields.exit_code = e.exitCode;
  return { measurement: "pilot_event", tags, fields, timeMs };
}

export interface ImagePullSample {
  image: string;
  ok: boolean;
  durationMs: number;
  error?: string;
}

/** `image_pull`: one point per pull attempt. */
export function imagePullPoint(p: ImagePullSample, timeMs: number): MetricPoint {
  const fields: MetricPoint["fields"] = { duration_ms: p.durationMs };
  if (!p.ok) fields.error = p.error !== undefined && p.error !== "" ? p.error : "unknown error";
  return {
    measurement: "image_pull",
    tags: { image: p.image, result: p.ok ? "ok" : "error" },
    fields,
    timeMs,
  };
}

export interface TickSample {
  durationMs: number;
  dockerApiCalls: number;
  started: number;
  killed: number;
  paused: number;
  resumed: number;
}

/** `tick`: what one loop cost and did. */
export function tickPoint(t: TickSample, timeMs: number): MetricPoint {
  return {
    measurement: "tick",
    tags: {},
    fields: {
      duration_ms: t.durationMs,
      docker_api_calls: t.dockerApiCalls,
      started: t.started,
      killed: t.killed,
      paused: t.paused,
      resumed: t.resumed,
    },
    timeMs,
  };
}

/** `metrics`: the sinks reporting on themselves, one point per target. */
export function metricsPoints(stats: readonly SinkStats[], timeMs: number): MetricPoint[] {
  return stats.map((s) => ({
    measurement: "metrics",
    tags: { target: s.target },
    fields: { buffered: s.buffered, delivered: s.delivered, dropped: s.dropped, retries: s.retries },
    timeMs,
  }));
}

function definedNumbers(values: Record<string, number | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined && Number.isFinite(v)) out[k] = v;
  return out;
}
