// The observation decide() reads: the host's latest sample, stamped with when it was
// taken, plus what only the daemon knows (the pilot counts of its cache) and the local
// time of the sample. One owner per variable: the sampler never counts pilots.
import type { Observation } from "../../vocabulary.js";
import type { HostSample } from "../owners/host-sampling.js";
import type { PilotIds } from "../owners/pilot-cache.js";

export function observationOf(sample: HostSample | undefined, ids: PilotIds): Observation {
  const at = new Date(sample?.atMs ?? 0);
  const running = ids.running.length;
  const paused = ids.paused.length;
  return {
    ...sample?.values,
    ...(sample
      ? { sampled_at_ms: sample.atMs, hour: at.getHours(), minute: at.getMinutes(), weekday: at.getDay() }
      : {}),
    running,
    paused,
    pilots: running + paused,
  };
}
