// Where the CPU controllers live: cgroup v1 (one hierarchy per controller, or
// cpu and cpuacct co-mounted), cgroup v2 (one unified hierarchy), or unknown.
// The root is injectable so tests point it at a fake tree in a temporary folder.

import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";

export const DEFAULT_CGROUP_ROOT = "/sys/fs/cgroup";

export type DockerCgroupDriver = "cgroupfs" | "systemd";

export type CgroupLayout =
  | {
      readonly kind: "v1";
      readonly root: string;
      /** Mount of the cpu controller (has cpu.shares). */
      readonly cpuDir: string;
      /**
       * Mount of the cpuacct controller (has cpuacct.usage); the same as cpuDir when co-mounted; undefined
       * when absent.
       */
      readonly cpuacctDir: string | undefined;
    }
  | {
      readonly kind: "v2";
      readonly root: string;
      /** The unified hierarchy's root (has cgroup.controllers). */
      readonly unifiedDir: string;
    }
  | { readonly kind: "unknown"; readonly root: string; readonly reason: string };

/** One line for logs: "cgroup v1 (cpu /sys/fs/cgroup/cpu, cpuacct /sys/fs/cgroup/cpuacct)". */
export function describeCgroupLayout(layout: CgroupLayout): string {
  switch (layout.kind) {
    case "v1":
      return `cgroup v1 (cpu ${layout.cpuDir}, cpuacct ${layout.cpuacctDir ?? "absent"})`;
    case "v2":
      return `cgroup v2 (${layout.unifiedDir})`;
    default:
      return `unknown cgroup layout (${layout.reason})`;
  }
}

function firstDirWith(dirs: readonly string[], file: string): string | undefined {
  return dirs.find((d) => existsSync(join(d, file)));
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

interface CgroupMount {
  readonly mountPoint: string;
  readonly fsType: "cgroup" | "cgroup2";
  readonly superOptions: readonly string[];
}

/** cgroup and cgroup2 mounts listed in a /proc/<pid>/mountinfo text. */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split("\n")) {
    // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
    const dash = line.indexOf(" - ");
    if (dash < 0) continue;
    const left = line.slice(0, dash).split(" ");
    const right = line.slice(dash + 3).split(" ");
    const fsType = right[0];
    if ((fsType !== "cgroup" && fsType !== "cgroup2") || left[4] === undefined) continue;
    // mountinfo escapes spaces and friends as \ooo octal
    const mountPoint = left[4].replace(/\\([0-7]{3})/g, (_, o: string) =>
      String.fromCharCode(parseInt(o, 8)),
    );
    mounts.push({ mountPoint, fsType, superOptions: (right[2] ?? "").split(",") });
  }
  return mounts;
}

function layoutFromMountinfo(root: string, mountinfoPath: string): CgroupLayout | undefined {
  let text: string;
  try {
    text = readFileSync(mountinfoPath, "utf8");
  } catch {
    return undefined;
  }
  const mounts = parseCgroupMounts(text);
  const cpu = mounts.find((m) => m.fsType === "cgroup" && m.superOptions.includes("cpu"));
  if (cpu) {
    const cpuacct = mounts.find((m) => m.fsType === "cgroup" && m.superOptions.includes("cpuacct"));
    return { kind: "v1", root, cpuDir: cpu.mountPoint, cpuacctDir: cpuacct?.mountPoint };
  }
  const unified = mounts.find((m) => m.fsType === "cgroup2");
  if (unified) return { kind: "v2", root, unifiedDir: unified.mountPoint };
  return undefined;
}

/**
 * Find the cgroup layout by probing root; when that fails, by the cgroup mounts in
 * mountinfo (consulted by default only for the real root, never for a fake tree).
 * Hybrid hosts (v1 controllers plus a v2 tree at root/unified) count as v1 unless
 * the cpu controller is on the unified side.
 */
export function detectCgroupLayout(
  root = DEFAULT_CGROUP_ROOT,
  mountinfoPath: string | undefined = root === DEFAULT_CGROUP_ROOT ? "/proc/self/mountinfo" : undefined,
): CgroupLayout {
  if (existsSync(join(root, "cgroup.controllers"))) return { kind: "v2", root, unifiedDir: root };

  const cpuDir = firstDirWith(
    [join(root, "cpu"), join(root, "cpu,cpuacct"), join(root, "cpuacct,cpu")],
    "cpu.shares",
  );
  if (cpuDir) {
    const cpuacct = firstDirWith(
      [join(root, "cpuacct"), join(root, "cpu,cpuacct"), join(root, "cpuacct,cpu")],
      "cpuacct.usage",
    );
    const sameMount = cpuacct !== undefined && canonical(cpuacct) === canonical(cpuDir);
    return { kind: "v1", root, cpuDir, cpuacctDir: sameMount ? cpuDir : cpuacct };
  }

  const hybrid = join(root, "unified");
  try {
    const controllers = readFileSync(join(hybrid, "cgroup.controllers"), "utf8").split(/\s+/);
    if (controllers.includes("cpu")) return { kind: "v2", root, unifiedDir: hybrid };
  } catch {
    // no unified tree with the cpu controller
  }

  const fromMounts = mountinfoPath === undefined ? undefined : layoutFromMountinfo(root, mountinfoPath);
  if (fromMounts) return fromMounts;
  return {
    kind: "unknown",
    root,
    reason:
      `no cgroup.controllers nor a v1 cpu hierarchy ` +
      `under ${root}${mountinfoPath ? ` and no cpu cgroup mount in ${mountinfoPath}` : ""}`,
  };
}

/**
 * systemd's path for a slice: "a-b.slice" -> "a.slice/a-b.slice"; "-.slice" is the root ("").
 * Names not ending in ".slice" are returned as they are.
 */
export function slicePath(slice: string): string {
  if (!slice.endsWith(".slice")) return slice;
  if (slice === "-.slice") return "";
  const stem = slice.slice(0, -".slice".length);
  const parts = stem.split("-");
  const path: string[] = [];
  for (let i = 1; i <= parts.length; i++) path.push(`${parts.slice(0, i).join("-")}.slice`);
  return path.join("/");
}
