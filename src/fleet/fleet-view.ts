// The admin's view of the fleet (planctonctl fleet ...): every host's last status, up
// while its lease-bound alive key exists, gone after; gone hosts are forgotten (their keys
// deleted) FORGET_AFTER_MS after their last write. Commands are one put each.
import type { Etcd3 } from "etcd3";
import { encodeCommand } from "./command.js";
import { fleetKeys } from "./keys.js";
import { decodeStatus } from "./status-record.js";
import type { FleetAction, HostStatus } from "./types.js";

/** A gone host stays listed this long after its last status write, then is forgotten. */
export const FORGET_AFTER_MS = 24 * 3600 * 1000;

export interface HostRow extends HostStatus {
  state: "up" | "gone";
  seenAgoSeconds: number;
}

export interface FleetSummary {
  up: number;
  gone: number;
  running: number;
  paused: number;
  harvestedCores: number;
  /** The site's core-hours harvested in the last 24 h (the hosts' figures added up). */
  coreHours24h: number;
}

export async function listFleet(
  client: Etcd3,
  prefix: string,
  nowMs: number,
  forgetAfterMs = FORGET_AFTER_MS,
): Promise<{ hosts: HostRow[]; forgotten: string[] }> {
  const keys = fleetKeys(prefix);
  const [statuses, alive] = await Promise.all([
    client.getAll().prefix(keys.statusPrefix).exec(),
    client.getAll().prefix(keys.alivePrefix).keys(),
  ]);
  const up = new Set(alive.map((k) => k.slice(keys.alivePrefix.length)));
  const hosts: HostRow[] = [];
  const forgotten: string[] = [];
  for (const kv of statuses.kvs) {
    const name = kv.key.toString("utf8").slice(keys.statusPrefix.length);
    const s = decodeStatus(kv.value.toString("utf8"));
    if (s === undefined) continue;
    const seenAgoSeconds = Math.max(0, Math.round((nowMs - s.atMs) / 1000));
    const state = up.has(name) ? "up" : "gone";
    if (state === "gone" && nowMs - s.atMs > forgetAfterMs) {
      // Deleted only if nobody wrote it meanwhile (the host may just have come back).
      await client
        .if(kv.key, "Mod", "==", kv.mod_revision)
        .then(client.delete().key(kv.key), client.delete().key(keys.command(name)))
        .commit();
      forgotten.push(name);
      continue;
    }
    hosts.push({ ...s, name, state, seenAgoSeconds });
  }
  hosts.sort((a, b) => a.name.localeCompare(b.name));
  return { hosts, forgotten };
}

export function summarize(hosts: HostRow[]): FleetSummary {
  const upHosts = hosts.filter((h) => h.state === "up");
  return {
    up: upHosts.length,
    gone: hosts.length - upHosts.length,
    running: upHosts.reduce((n, h) => n + (h.running ?? 0), 0),
    paused: upHosts.reduce((n, h) => n + (h.paused ?? 0), 0),
    harvestedCores: Math.round(upHosts.reduce((n, h) => n + (h.pilotCpu ?? 0) * (h.ncpus ?? 0), 0) * 10) / 10,
    coreHours24h: Math.round(hosts.reduce((n, h) => n + (Number(h.coreHours24h) || 0), 0) * 100) / 100,
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
  const keys = fleetKeys(prefix);
  const value = encodeCommand(action, reason, who, nowMs);
  if (target === "all") {
    await client.put(keys.allCommand).value(value);
    return { unknown: [] };
  }
  const known = await Promise.all(
    target.map(async (n) => (await client.get(keys.status(n)).exec()).kvs.length > 0),
  );
  const unknown = target.filter((_, i) => !known[i]);
  if (unknown.length > 0) return { unknown };
  for (let i = 0; i < target.length; i += 100)
    await Promise.all(target.slice(i, i + 100).map((n) => client.put(keys.command(n)).value(value)));
  return { unknown: [] };
}
