// The one source of Plancton's configuration keys: names, types, defaults and docs.
// TypeScript types, validation, the JSON Schema in conf-examples/ and the README's
// reference table are all derived from this file.
import { z } from "zod";
import { addedKeys } from "./keys-added.js";
import { originalKeys } from "./keys-original.js";
import { fleetSchema } from "./fleet-schema.js";
import { giveBackKeys } from "./keys-give-back.js";
import { deviceMap, influxTarget } from "./schema-values.js";

export { MIN_CPUS_PER_DOCK, MIN_DOCK_MEM_BYTES } from "./schema-values.js";

export const configSchema = z.object({ ...originalKeys, ...addedKeys, ...giveBackKeys });

/** The validated configuration with defaults applied, durations in seconds, sizes in bytes. */
export type Config = z.output<typeof configSchema>;

export const CONFIG_KEYS: readonly string[] = Object.keys(configSchema.shape);

/** Keys of the maps nested in some keys (lists of maps, or one map), for unknown-key warnings. */
export const NESTED_KEYS: Readonly<Record<string, readonly string[]>> = {
  devices: Object.keys(deviceMap.shape),
  influxdb: Object.keys(influxTarget.shape),
  config_git: ["pull_every", "allowed_signers"],
  fleet: Object.keys(fleetSchema.shape),
};

/** Keys whose default is itself an expression evaluated on the host. */
export const MAX_DOCKS_VARIABLES = [
  "ncpus",
  "ram_bytes",
  "swap_bytes",
  "max_dock_mem",
  "max_dock_swap",
] as const;

export function defaultConfig(): Config {
  return configSchema.parse({});
}
