// The keys of the give-back at the kernel's speed (issue 25): the reads between samples,
// and the service owner's core while it is active.
import { z } from "zod";
import { period } from "./schema-values.js";

export const giveBackKeys = {
  watch_interval: period(0.05, true)
    .default(0.1)
    .describe(
      "Between samples, the owner's CPU (/proc/stat less the pilots' parent) and memory pressure " +
        "(PSI, MemAvailable) are read this often; a rise samples at once. 0: only every sample_interval.",
    ),
  owner_suppress: z
    .enum(["off", "cpuset"])
    .default("off")
    .describe(
      "While the owner is active (at least owner_active_cores), the pilots' parent cpuset leaves the " +
        'owner one CPU of its own, restored once the owner is idle ("off": the scheduler alone). Off ' +
        "by default until the quiet-machine figures (docs/BENCHMARKS.md) say what it costs in harvest.",
    ),
  owner_active_cores: z
    .number()
    .positive()
    .default(0.25)
    .describe("The owner is active for owner_suppress while it uses at least this many cores."),
};
