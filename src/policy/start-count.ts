// Rule 8's count, once no blocker holds: how many pilots start now. The fewest of what
// fits on the owner's idle CPU (harvest.ts), the room under max_docks (or max_pilots),
// and docks_per_loop; then the crash loop's limit (one probe at a time, after a backoff).
import { crashLoopLimit } from "./crash-loop.js";
import { startRoom } from "./harvest.js";
import { holdsSlot } from "./pilots.js";
import type { CrashLoopState, Observation, PolicyConfig, PolicyPilot } from "./policy-types.js";

export interface StartCountInput {
  readonly obs: Observation;
  readonly cfg: PolicyConfig;
  /** Youngest first. */
  readonly pilots: readonly PolicyPilot[];
  /** Ids this decision kills or removes: they hold no slot any more. */
  readonly going: ReadonlySet<string>;
  readonly ownerCpu: number;
  readonly ncpus: number;
  /** max_pilots as evaluated, when set. */
  readonly maxPilots?: number;
  readonly crashLoop: CrashLoopState | undefined;
  readonly nowMs: number;
}

export interface StartCount {
  readonly start: number;
  /** The crash loop holds every start. */
  readonly crashHolds: boolean;
  readonly explain: string;
  readonly problem?: string;
}

export function startCount(i: StartCountInput): StartCount {
  const { cfg, pilots, maxPilots } = i;
  const slots = pilots.filter((p) => holdsSlot(p.state) && !i.going.has(p.id)).length;
  const fits = startRoom(i.obs, cfg, i.ownerCpu, i.ncpus, slots);
  const cap = maxPilots === undefined ? cfg.maxDocks : Math.min(cfg.maxDocks, maxPilots);
  const capName = maxPilots !== undefined && maxPilots < cfg.maxDocks ? "max_pilots" : "max_docks";
  const room = Math.max(0, cap - slots);
  const wanted = Math.min(fits.fitting, room, cfg.docksPerLoop);
  const crash = crashLoopLimit(i.crashLoop, pilots, wanted, i.nowMs);
  const start = crash.start;
  const base = { start, crashHolds: start === 0 && crash.why !== undefined, problem: fits.problem };
  if (crash.why !== undefined)
    return { ...base, explain: `${start > 0 ? `start ${start}` : "no start"}: ${crash.why}` };
  if (start > 0) {
    const limits = `room ${room} of ${capName} ${cap}, docks_per_loop ${cfg.docksPerLoop}`;
    return { ...base, explain: `start ${start}: fitting ${fits.fitting} (${fits.owner}), ${limits}` };
  }
  if (room === 0) return { ...base, explain: `no start: ${capName} reached (${slots}/${cap})` };
  return { ...base, explain: `no start: ${fits.why}` };
}
