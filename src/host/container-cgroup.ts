// Where a container's cgroup is, in any controller's hierarchy: the same candidates the
// pilots' CPU meter reads (containerCounterCandidates: Docker's `<id>` / `docker-<id>.scope`,
// Podman's `libpod-<id>` / `libpod-<id>.scope`, under the configured parent then the
// engines' defaults), applied to another base: the freezer, memory or cpuset mount on
// cgroup v1, the unified tree on v2.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DEFAULT_CGROUP_ROOT, parseCgroupMounts, type DockerCgroupDriver } from "./cgroup-layout.js";
import { containerCounterCandidates } from "./pilot-cpu.js";

export type CgroupVersion = "v1" | "v2";

/** A v1 controller's hierarchy (freezer, memory, cpuset), or where the v2 tree is. */
export interface ControllerTree {
  readonly version: CgroupVersion;
  /** The mount (v1) or the unified tree's root (v2). */
  readonly base: string;
}

/** The candidate directories of a container's cgroup under `tree`, most likely first. */
export function containerCgroupDirs(
  tree: ControllerTree,
  driver: DockerCgroupDriver,
  cgroupParent: string | undefined,
  id: string,
): string[] {
  const layout =
    tree.version === "v1"
      ? { kind: "v1" as const, root: tree.base, cpuDir: tree.base, cpuacctDir: tree.base }
      : { kind: "v2" as const, root: tree.base, unifiedDir: tree.base };
  return containerCounterCandidates(layout, driver, cgroupParent, id).map((c) => dirname(c.path));
}

/**
 * The hierarchy holding `controller`: the v1 mount when there is one (hybrid hosts keep
 * freezer, memory and cpuset there), else the v2 tree when it has the controller (freezer
 * is not listed in cgroup.controllers: every v2 cgroup has cgroup.freeze since 5.2).
 */
export function findControllerTree(
  controller: "freezer" | "memory" | "cpuset",
  root = DEFAULT_CGROUP_ROOT,
  mountinfoPath: string | undefined = root === DEFAULT_CGROUP_ROOT ? "/proc/self/mountinfo" : undefined,
): ControllerTree | undefined {
  const v2 = (dir: string): boolean => {
    if (!existsSync(join(dir, "cgroup.controllers"))) return false;
    if (controller === "freezer") return true;
    try {
      return readFileSync(join(dir, "cgroup.controllers"), "utf8").split(/\s+/).includes(controller);
    } catch {
      return false;
    }
  };
  if (v2(root)) return { version: "v2", base: root };
  const v1 = join(root, controller);
  if (existsSync(join(v1, "cgroup.procs")) && !existsSync(join(v1, "cgroup.controllers")))
    return { version: "v1", base: v1 };
  if (mountinfoPath !== undefined) {
    try {
      const mounts = parseCgroupMounts(readFileSync(mountinfoPath, "utf8"));
      const m = mounts.find((x) => x.fsType === "cgroup" && x.superOptions.includes(controller));
      if (m) return { version: "v1", base: m.mountPoint };
    } catch {
      // no mountinfo: not found
    }
  }
  return undefined;
}
