// Turns the configuration into the container spec of one pilot.
import { splitCommand } from "../../config/command-line.js";
import { MIN_CPUS_PER_DOCK, MIN_DOCK_MEM_BYTES, type Config } from "../../config/schema.js";
import { pilotHostname, type PilotSpec } from "../../runtime/engine.js";
import { securityOptsFor, withDeviceDefaults } from "../../runtime/pilot-spec.js";
import { instanceLabels } from "./labels.js";

export interface PilotContext {
  name: string;
  hostname: string; // the host's short name
  instance: string;
  apparmor: boolean; // AppArmor enabled on the host: security_opts apply
  cgroupParent?: string; // the idle-priority parent cgroup, when set up
}

export function pilotSpec(config: Config, ctx: PilotContext): PilotSpec {
  const caps = splitCapabilities(config.capabilities);
  // The schema already refuses lower values; a 0 here would mean "unlimited" to Docker.
  const memoryBytes = Math.max(MIN_DOCK_MEM_BYTES, config.max_dock_mem);
  return {
    name: ctx.name,
    hostname: pilotHostname(ctx.hostname, ctx.name),
    image: config.docker_image,
    cmd: commandOf(config.docker_cmd),
    env: envOf(config.docker_env),
    labels: instanceLabels(ctx.instance),
    cpuQuota: Math.max(Math.round(MIN_CPUS_PER_DOCK * 100000), Math.round(config.cpus_per_dock * 100000)),
    cpuPeriod: 100000,
    memoryBytes,
    memorySwapBytes: memoryBytes + config.max_dock_swap,
    user: config.user_group,
    binds: config.binds,
    devices: config.devices.map(deviceOf),
    capAdd: caps.add,
    capDrop: caps.drop,
    securityOpt: securityOptsFor(config.security_opts, ctx.apparmor),
    privileged: config.docker_privileged,
    networkMode: config.network_mode,
    cgroupParent: ctx.cgroupParent,
  };
}

/** A string command is split as a shell splits words (validated at load); a list is taken as it is. */
export function commandOf(cmd: string | string[]): string[] {
  return Array.isArray(cmd) ? cmd : (splitCommand(cmd).argv ?? cmd.split(" ").filter((s) => s !== ""));
}

export function envOf(env: Config["docker_env"]): string[] {
  return Array.isArray(env) ? env : Object.entries(env).map(([k, v]) => `${k}=${String(v)}`);
}

export function splitCapabilities(caps: readonly string[]): { add: string[]; drop: string[] } {
  const add: string[] = [];
  const drop: string[] = [];
  for (const cap of caps) {
    const name = cap.replace(/^[+-]/, "").toUpperCase();
    (cap.startsWith("-") ? drop : add).push(name);
  }
  return { add, drop };
}

type Device = Config["devices"][number];

/** "host[:container[:perms]]" or the object form, with Docker's defaults (runtime/pilot-spec.ts). */
export function deviceOf(d: Device): ReturnType<typeof withDeviceDefaults> {
  if (typeof d !== "string") return withDeviceDefaults(d);
  const [host = "", container, perms] = d.split(":");
  return withDeviceDefaults({ PathOnHost: host, PathInContainer: container, CgroupPermissions: perms });
}
