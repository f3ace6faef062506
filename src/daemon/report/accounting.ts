// The accounting's owner in the daemon: the usage ledger the CPU meter feeds (each
// pilot's CPU seconds, read once more before its removal), the counters it writes after
// every sample, the history's retention (history_keep), the running pilots for `report`
// and the last day's core-hours for the fleet.
import { PilotUsageLedger } from "../../host/index.js";
import type { PilotInfo } from "../../runtime/index.js";
import type { Logger } from "../process/logger.js";
import { livePilots, type LivePilot } from "./accounting-live.js";
import type { DaemonMetrics } from "./daemon-metrics.js";
import { HistoryRetention } from "./history-retention.js";
import { HarvestHours } from "./harvest-hours.js";
import type { HostSample } from "../owners/host-sampling.js";

export { HISTORY_FILES } from "./history-retention.js";

export interface AccountingOptions {
  logdir: string;
  logger: Logger;
  clock: () => number;
  metrics: () => DaemonMetrics;
  /** The pilot cache (undefined before the reconciler exists). */
  pilots: () => ReadonlyMap<string, PilotInfo> | undefined;
  /** history_keep in force, in seconds. */
  keepSeconds: () => number;
  /** The host's latest sample (the owner's CPU, for the idle CPU it left). */
  sample: () => HostSample | undefined;
}

export class Accounting {
  readonly usage: PilotUsageLedger;
  readonly hours: HarvestHours;

  constructor(private readonly opts: AccountingOptions) {
    this.usage = new PilotUsageLedger((id) => opts.pilots()?.get(id)?.image);
    const retention = new HistoryRetention(opts.logdir, (names) =>
      opts.logger.info(`history_keep: removed ${names.join(", ")}`),
    );
    this.hours = new HarvestHours(opts.logdir);
    this.usage.onSampled(() => {
      opts.metrics().accounting(this.usage);
      this.hours.add(opts.sample());
      retention.maybePrune(opts.clock(), opts.keepSeconds());
    });
  }

  live(): LivePilot[] {
    return livePilots(this.usage, this.opts.pilots() ?? new Map());
  }

  coreHours24h(): number {
    return this.usage.coreHoursLastDay(this.opts.clock());
  }
}
