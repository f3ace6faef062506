// The admin's view of the fleet (planctonctl fleet ...): every host's last status, up
// while its lease-bound alive key exists, gone after. Read-only: records are read in
// pages (paged-read.ts), each checked field by field; a bad one is listed as unreadable,
// one over 4 KiB skipped and counted. Gone hosts are removed by `fleet forget`
// (fleet-forget.ts), not by a listing. Commands are one put each.
import type { Etcd3 } from "etcd3";
import { encodeCommand, TEXT_MAX_CHARS } from "./command.js";
import { fleetKeys } from "./keys.js";
import { readPrefix } from "./paged-read.js";
import { decodeStatus } from "./status-record.js";
import type { FleetAction, HostStatus } from "./fleet-types.js";

export interface HostRow extends HostStatus {
  state: "up" | "gone";
  seenAgoSeconds: number;
}

/** A status key whose value is not a record (its name from the key), or over 4 KiB. */
export interface UnreadableRow {
  name: string;
  state: "up" | "gone";
  problem: string;
  /** The key's mod revision: `fleet forget` deletes it only if nobody wrote it since. */
  revision: string;
}

export interface FleetSummary {
  up: number;
  gone: number;
  running: number;
  paused: number;
  harvestedCores: number;
  /** The site's core-hours harvested in the last 24 h (the hosts' figures added up). */
  coreHours24h: number;
  unreadable: number;
  oversized: number;
}

export interface FleetListing {
  hosts: HostRow[];
  unreadable: UnreadableRow[];
  oversized: number;
  /** Mod revision of each readable record, by name (for forget). */
  revisions: Map<string, string>;
}

/** The names whose alive key exists (keys only, paged). */
async function upNames(client: Etcd3, alivePrefix: string): Promise<Set<string>> {
  const up = new Set<string>();
  for await (const { kv } of readPrefix(client, alivePrefix, true, 5000))
    up.add(kv.key.toString("utf8").slice(alivePrefix.length));
  return up;
}

export async function listFleet(client: Etcd3, prefix: string, nowMs: number): Promise<FleetListing> {
  const keys = fleetKeys(prefix);
  const up = await upNames(client, keys.alivePrefix);
  const out: FleetListing = { hosts: [], unreadable: [], oversized: 0, revisions: new Map() };
  for await (const { kv, oversized } of readPrefix(client, keys.statusPrefix)) {
    const name = kv.key.toString("utf8").slice(keys.statusPrefix.length);
    const state = up.has(name) ? "up" : "gone";
    const revision = kv.mod_revision;
    const s = oversized ? { unreadable: "over 4 KiB" } : decodeStatus(kv.value.toString("utf8"));
    if (oversized) out.oversized++;
    if ("unreadable" in s) {
      out.unreadable.push({ name, state, problem: s.unreadable, revision });
      continue;
    }
    const seenAgoSeconds = Math.max(0, Math.round((nowMs - s.atMs) / 1000));
    out.hosts.push({ ...s, name, state, seenAgoSeconds });
    out.revisions.set(name, revision);
  }
  return out;
}

export function summarize(l: Pick<FleetListing, "hosts" | "unreadable" | "oversized">): FleetSummary {
  const upHosts = l.hosts.filter((h) => h.state === "up");
  return {
    up: upHosts.length + l.unreadable.filter((h) => h.state === "up").length,
    gone: l.hosts.length - upHosts.length + l.unreadable.filter((h) => h.state === "gone").length,
    running: upHosts.reduce((n, h) => n + h.running, 0),
    paused: upHosts.reduce((n, h) => n + h.paused, 0),
    harvestedCores: Math.round(upHosts.reduce((n, h) => n + (h.pilotCpu ?? 0) * h.ncpus, 0) * 10) / 10,
    unreadable: l.unreadable.length - l.oversized,
    oversized: l.oversized,
    coreHours24h: Math.round(l.hosts.reduce((n, h) => n + (Number(h.coreHours24h) || 0), 0) * 100) / 100,
  };
}

/** Sends a command to the named hosts (all of them must be known) or to every host. */
export async function sendCommand(
  client: Etcd3,
  prefix: string,
  target: string[] | "all",
  action: FleetAction,
  reason: string,
  who: string,
  nowMs: number,
): Promise<{ unknown: string[] }> {
  if (reason.length > TEXT_MAX_CHARS || who.length > TEXT_MAX_CHARS)
    throw new Error(`a reason is at most ${TEXT_MAX_CHARS} characters (hosts would cut it)`);
  const keys = fleetKeys(prefix);
  const value = encodeCommand(action, reason, who, nowMs);
  if (target === "all") {
    await client.put(keys.allCommand).value(value);
    return { unknown: [] };
  }
  const known = await Promise.all(target.map(async (n) => client.get(keys.status(n)).exists()));
  const unknown = target.filter((_, i) => !known[i]);
  if (unknown.length > 0) return { unknown };
  for (let i = 0; i < target.length; i += 100)
    await Promise.all(target.slice(i, i + 100).map((n) => client.put(keys.command(n)).value(value)));
  return { unknown: [] };
}
