// A new configuration reaches the owners that follow it: the log level, the image, the
// managed instances, the pilots' placement, the sampling, the fleet and metrics links.
// Run by the tick queue (through Daemon) between ticks, before the tick it asks for.
import type { Config } from "../../config/schema.js";
import type { DaemonFleet } from "../owners/fleet-link.js";
import type { GiveBack } from "../owners/give-back.js";
import type { HostSamplingLike } from "../owners/host-sampling.js";
import type { ImagePuller } from "../owners/image-puller.js";
import type { ManagedInstances } from "../owners/instances.js";
import type { PilotPlacementLike } from "../owners/pilot-placement.js";
import type { Logger } from "../process/logger.js";
import type { DaemonMetrics } from "../report/daemon-metrics.js";
import { instanceOf } from "./labels.js";

export interface ConfigFollowers {
  logger: Logger;
  puller: ImagePuller;
  instances: ManagedInstances;
  placement: PilotPlacementLike;
  sampling: HostSamplingLike;
  fleet: DaemonFleet;
  metrics: DaemonMetrics;
  giveBack: GiveBack;
  /** The managed instances changed: watch the engine's events for the new set. */
  watchEvents: () => void;
}

export async function applyToOwners(prev: Config, next: Config, o: ConfigFollowers): Promise<void> {
  o.logger.level = next.log_level;
  o.puller.configure(next.docker_image);
  const [was, now] = [instanceOf(prev), instanceOf(next)];
  if (was !== now) {
    // The previous instance's pilots stay managed until they end: never orphaned.
    await o.instances.switchTo(now);
    o.logger.info(`instance ${was} -> ${now}: the ${was} pilots stay managed until they end`);
    o.watchEvents();
  }
  o.placement.configure(next);
  o.sampling.configure(next);
  o.giveBack.configure(next);
  void o.fleet.configure(next);
  try {
    await o.metrics.configure(next);
  } catch (err) {
    // Never an unhandled rejection: the daemon runs on, with the metrics targets it had.
    const msg = (err as Error).message;
    o.logger.error(`metrics: the new targets could not be set up: ${msg}; keeping the previous ones`);
  }
}
