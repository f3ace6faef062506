// Turns a plain PilotSpec into Docker's container create options (pure).
import type Docker from "dockerode";
import type { PilotSpec } from "./engine.js";

/**
 * A bind "host:container[:options]" with the documented default: read-only unless the
 * options say "rw" (or "ro"). Other options (z, Z, propagation, nocopy) are kept.
 *   "/cvmfs:/cvmfs"          -> "/cvmfs:/cvmfs:ro"
 *   "/scratch:/scratch:rw"   -> unchanged
 *   "/etc/x:/etc/x:z"        -> "/etc/x:/etc/x:z,ro"
 */
export function normalizeBind(bind: string): string {
  const parts = bind.split(":");
  const [source, target, options] = parts;
  if (parts.length < 2 || parts.length > 3 || !source || !target || options === "") {
    throw new Error(
      `invalid bind "${bind}": expected host:container or host:container:options (ro, rw, ...)`,
    );
  }
  if (options === undefined) return `${source}:${target}:ro`;
  const opts = options.split(",");
  if (opts.some((o) => o === "")) throw new Error(`invalid bind "${bind}": empty option`);
  const modes = opts.filter((o) => o === "ro" || o === "rw");
  if (modes.length > 1) throw new Error(`invalid bind "${bind}": both ro and rw given`);
  return modes.length === 1 ? bind : `${source}:${target}:${[...opts, "ro"].join(",")}`;
}

/**
 * Security options for this host: AppArmor profiles ("apparmor:x", "apparmor=x") only
 * where AppArmor is enabled (EngineInfo.apparmor); the others (seccomp,
 * no-new-privileges, label) always, since they do not depend on AppArmor.
 */
export function securityOptsFor(securityOpt: string[], apparmorEnabled: boolean): string[] {
  return apparmorEnabled ? [...securityOpt] : securityOpt.filter((o) => !/^apparmor[:=]/.test(o));
}

/** A device as Docker takes it: in the container at the host's path, "rwm" unless said. */
export function withDeviceDefaults(d: {
  PathOnHost: string;
  PathInContainer?: string;
  CgroupPermissions?: string;
}): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  return {
    PathOnHost: d.PathOnHost,
    PathInContainer: d.PathInContainer || d.PathOnHost,
    CgroupPermissions: d.CgroupPermissions || "rwm",
  };
}

/** The body of POST /containers/create for this pilot. */
export function toCreateOptions(spec: PilotSpec): Docker.ContainerCreateOptions {
  const hostConfig: Docker.HostConfig = {
    CpuQuota: spec.cpuQuota,
    CpuPeriod: spec.cpuPeriod,
    Memory: spec.memoryBytes,
    MemorySwap: spec.memorySwapBytes,
    Binds: spec.binds.map(normalizeBind),
    Devices: spec.devices.map(withDeviceDefaults),
    CapAdd: [...spec.capAdd],
    CapDrop: [...spec.capDrop],
    SecurityOpt: [...spec.securityOpt],
    Privileged: spec.privileged,
    NetworkMode: spec.networkMode || "bridge",
    // Pilots are disposable: Plancton replaces them, Docker must not restart them,
    // and they are removed by Plancton (not AutoRemove) so their exit code can be read.
    RestartPolicy: { Name: "no" },
    AutoRemove: false,
  };
  if (spec.cgroupParent) hostConfig.CgroupParent = spec.cgroupParent;
  return {
    name: spec.name,
    Hostname: spec.hostname,
    Image: spec.image,
    Cmd: [...spec.cmd],
    Env: [...spec.env],
    Labels: { ...spec.labels },
    User: spec.user,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    HostConfig: hostConfig,
  };
}
