// The running pilots' CPU so far, for `planctonctl report` (over the status socket's
// /usage): the usage ledger's last readings with the pilot cache's names and start times.
import type { PilotUsageLedger } from "../../host/index.js";
import type { PilotInfo } from "../../runtime/index.js";

/** A pilot still running, with its CPU so far. */
export interface LivePilot {
  id: string;
  name: string;
  image: string;
  startedAtMs: number;
  cpuSeconds: number;
}

export function livePilots(usage: PilotUsageLedger, pilots: ReadonlyMap<string, PilotInfo>): LivePilot[] {
  const out: LivePilot[] = [];
  for (const u of usage.live()) {
    const p = pilots.get(u.id);
    if (!p) continue; // ended, its record on its way
    out.push({
      id: u.id,
      name: p.name,
      image: p.image,
      startedAtMs: p.createdAtMs,
      cpuSeconds: u.cpuSeconds,
    });
  }
  return out;
}
