// Connects to the engine and hands its facts to the owners that follow them: the pilots'
// placement (cgroup driver and version), the give-back (freezer, memory, watch, cpuset), the sampling
// (Docker's data root, the pilots'
// CPU meter) and max_docks (over the sampled CPUs, memory and swap). Run at start, and
// through the tick queue when a listing answers after an outage.
import type { DaemonOwners } from "../owners/daemon-owners.js";

/** False when the engine does not answer: the next tick finds it down and retries. */
export async function connectEngine(
  o: Pick<DaemonOwners, "connection" | "placement" | "sampling" | "inForce" | "giveBack">,
): Promise<boolean> {
  const info = await o.connection.connect();
  if (!info) return false;
  const config = o.inForce.config;
  await o.placement.setEngine(info, config);
  await o.giveBack.setEngine(info, o.placement.placement().cgroupParent, config, o.placement.tree?.());
  await o.sampling.setEngine(info, config, () => o.placement.meter());
  o.inForce.refresh(o.sampling.hostFacts());
  return true;
}
