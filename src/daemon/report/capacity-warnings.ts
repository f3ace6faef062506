// Configurations that run nothing on this host, said in words that name the key to change:
// max_docks evaluating to 0, or a pilot bigger than the machine.
import { FITTING_IDLE_FACTOR } from "../../policy/policy-types.js";
import type { HostFacts } from "../../config/max-docks.js";
import type { Config } from "../../config/schema.js";
import { formatBytes } from "../../config/units.js";

export function capacityWarnings(config: Config, host: HostFacts, maxDocks: number): string[] {
  const out: string[] = [];
  const cpus = `${host.ncpus} CPU${host.ncpus === 1 ? "" : "s"}`;
  if (maxDocks === 0) {
    const how = typeof config.max_docks === "string" ? `"${config.max_docks}" is 0 with ${cpus}` : "is 0";
    out.push(
      `max_docks ${how}: no pilot will ever start; set max_docks to a number (max_docks: 1) or an ` +
        `expression that stays above 0 ("max(1, ncpus - 2)")`,
    );
  }
  // The start rule counts 95 % of the idle CPUs: a pilot needs at most that much to fit.
  const fitCores = Math.round(FITTING_IDLE_FACTOR * host.ncpus * 100) / 100;
  if (config.cpus_per_dock > FITTING_IDLE_FACTOR * host.ncpus + 1e-9) {
    out.push(
      `cpus_per_dock ${config.cpus_per_dock} is more than a pilot can get on this host ` +
        `(${FITTING_IDLE_FACTOR} x ${cpus} = ${fitCores}): no pilot will ever fit; set cpus_per_dock ` +
        `to ${fitCores} or less (e.g. cpus_per_dock: 1)`,
    );
  }
  if (config.max_dock_mem > host.ramBytes) {
    out.push(
      `max_dock_mem ${formatBytes(config.max_dock_mem)} is more than this host's RAM ` +
        `(${formatBytes(host.ramBytes)}): a pilot would take the owner's memory; set max_dock_mem ` +
        `below it (e.g. max_dock_mem: "${Math.max(1, Math.floor(host.ramBytes / 2 / 2 ** 20))}MiB")`,
    );
  }
  return out;
}
