// The pilots as the daemon knows them between listings: the one owner of that map.
// A listing replaces it, a launch adds to it, a recorded end removes from it.
import type { PolicyPilot } from "../../policy/policy-types.js";
import type { PilotInfo } from "../../runtime/index.js";

export interface PilotIds {
  running: string[];
  paused: string[];
}

export class PilotCache {
  private pilots = new Map<string, PilotInfo>();

  replace(listed: readonly PilotInfo[]): void {
    this.pilots = new Map(listed.map((p) => [p.id, p]));
  }

  added(launched: readonly PilotInfo[]): void {
    for (const p of launched) this.pilots.set(p.id, p);
  }

  ended(id: string): void {
    this.pilots.delete(id);
  }

  view(): ReadonlyMap<string, PilotInfo> {
    return this.pilots;
  }

  all(): PilotInfo[] {
    return [...this.pilots.values()];
  }

  ids(): PilotIds {
    const ids: PilotIds = { running: [], paused: [] };
    for (const p of this.pilots.values()) {
      if (p.state === "running") ids.running.push(p.id);
      else if (p.state === "paused") ids.paused.push(p.id);
    }
    return ids;
  }

  /** What decide() sees; a pilot under a graceful stop of ours is marked, and one the stop
   *  has already removed from the listing still counts until the stop has recorded it. */
  forPolicy(stopping: ReadonlySet<string>): PolicyPilot[] {
    const pilots: PolicyPilot[] = this.all().map((p) => ({
      id: p.id,
      name: p.name,
      state: p.state,
      createdAtMs: p.createdAtMs,
      ...(stopping.has(p.id) ? { stopping: true } : {}),
    }));
    for (const id of stopping)
      if (!this.pilots.has(id))
        pilots.push({ id, name: "", state: "removing", createdAtMs: 0, stopping: true });
    return pilots;
  }
}
