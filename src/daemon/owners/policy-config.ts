// Maps the validated configuration onto the policy's input: plain units, max_docks evaluated
// on this host, and the expressions and schedule the config load compiled (config/compile.ts).
import { compiledOf } from "../../config/compile.js";
import { evaluateMaxDocks, type HostFacts } from "../../config/max-docks.js";
import type { Config } from "../../config/schema.js";
import type { PolicyConfig } from "../../policy/policy-types.js";
import { capacityWarnings } from "../report/capacity-warnings.js";

export function policyConfigOf(
  config: Config,
  host: HostFacts,
): { policy: PolicyConfig; warnings: string[] } {
  const warnings: string[] = [];
  const maxDocks = evaluateMaxDocks(config, host);
  if (maxDocks.error) warnings.push(maxDocks.error);
  warnings.push(...capacityWarnings(config, host, maxDocks.value));
  const compiled = compiledOf(config);
  return {
    warnings,
    policy: {
      cpusPerDock: config.cpus_per_dock,
      maxDocks: maxDocks.value,
      docksPerLoop: config.docks_per_loop,
      graceKillSeconds: config.grace_kill,
      graceSpawnSeconds: config.grace_spawn,
      maxTtlSeconds: config.max_ttl,
      suspendGraceSeconds: config.suspend_grace,
      resumeAfterSeconds: config.resume_after,
      overheadMarginPercent: config.overhead_margin,
      minFreeMem: config.min_free_mem ?? undefined,
      minFreeDisk: config.min_free_disk ?? undefined,
      pressureGraceSeconds: config.pressure_grace,
      spawnWhen: compiled.spawnWhen,
      maxPilots: compiled.maxPilots,
      evictWhen: compiled.evictWhen,
      suspendWhen: compiled.suspendWhen,
      schedule: compiled.schedule,
      scheduleDrain: config.schedule_drain,
      imageExpirationSeconds: config.image_expiration,
      image: config.docker_image,
      // The daemon overrides it with the priority really in force (the parent's weight).
      cpuPriority: config.pilot_cpu_priority,
      maxDockMemBytes: config.max_dock_mem,
      memStallPercent: config.mem_pressure_psi ?? undefined,
      stopGraceSeconds: config.stop_grace,
      launch: JSON.stringify([config.docker_image, config.docker_cmd]),
    },
  };
}
