// Where the pilots' cgroups are when the daemon runs as the desktop's own user (issue 24,
// deliverable 4): a rootless engine on cgroup v2 with systemd's cgroup manager asks the
// user's systemd manager for each container's scope, so the pilots' parent (plancton.slice)
// lives under /sys/fs/cgroup/user.slice/user-UID.slice/user@UID.service/, a tree systemd
// delegates to the user: the daemon may write its weight and freeze files there. Pure
// choices over plain data, so tests give them any uid, engine and tree.
import { join } from "node:path";
import { DEFAULT_CGROUP_ROOT } from "./cgroup-layout.js";

/**
 * Whose tree the pilots' cgroups are in: "system" (the daemon is root, the engine rootful:
 * as ever), "user" (the user's delegated tree, root is its directory), "none" (no tree the
 * daemon may write: normal priority, the engine's pause, and why).
 */
export type PilotTree =
  | { readonly kind: "system"; readonly root: string }
  | { readonly kind: "user"; readonly root: string; readonly uid: number }
  | {
      readonly kind: "none";
      readonly reason: string;
      /** What status says of the priority, when it says it in words of its own. */
      readonly priorityReason?: string;
    };

export interface PilotTreeFacts {
  /** The daemon's uid (process.getuid()). */
  readonly uid: number;
  /** The engine says it is rootless (SecurityOptions name=rootless, or Podman's Rootless). */
  readonly rootless: boolean;
  readonly engine: string;
  readonly cgroupDriver: string;
  readonly cgroupVersion: string;
  /** The cgroup root (tests: a fake tree). */
  readonly root?: string;
  /** Whether a path exists (tests: a fake). */
  readonly exists: (path: string) => boolean;
}

/** user@UID.service's directory: where systemd's user manager keeps the user's own units. */
export function userServiceDir(uid: number, root = DEFAULT_CGROUP_ROOT): string {
  return join(root, "user.slice", `user-${uid}.slice`, `user@${uid}.service`);
}

/** The command that delegates the cpu controller to every user's manager (systemd < 252 lacks it). */
export const DELEGATE_FIX =
  "as root: mkdir -p /etc/systemd/system/user@.service.d && " +
  "printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' " +
  "> /etc/systemd/system/user@.service.d/delegate.conf && systemctl daemon-reload " +
  "(then log out and in, or restart user@UID.service)";

export function choosePilotTree(f: PilotTreeFacts): PilotTree {
  const root = f.root ?? DEFAULT_CGROUP_ROOT;
  if (f.uid === 0) {
    return f.rootless
      ? {
          kind: "none",
          reason: "a rootless engine's cgroups are not the daemon's to write",
          priorityReason: "rootless Docker cannot give pilots a parent cgroup",
        }
      : { kind: "system", root };
  }
  // A rootful Docker reached by a user of the docker group: its cgroups are root's.
  if (!f.rootless && f.engine !== "podman") {
    return {
      kind: "none",
      reason:
        `the daemon runs as uid ${f.uid} and the engine as root: ` +
        "its cgroups are not the daemon's to write",
    };
  }
  if (f.cgroupVersion !== "2")
    return {
      kind: "none",
      reason: "a rootless engine on cgroup v1 gives its containers no cgroups of their own",
    };
  if (f.cgroupDriver !== "systemd") {
    return {
      kind: "none",
      reason:
        `a rootless engine with the ${f.cgroupDriver || "unknown"} cgroup manager: ` +
        `pilots get no cgroups of their own (containers.conf: cgroup_manager = "systemd")`,
    };
  }
  const dir = userServiceDir(f.uid, root);
  if (!f.exists(join(dir, "cgroup.controllers"))) {
    return {
      kind: "none",
      reason: `no ${dir}: systemd's user manager does not run for uid ${f.uid} (loginctl enable-linger)`,
    };
  }
  return { kind: "user", root: dir, uid: f.uid };
}

function tokens(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/**
 * Why the user's manager cannot give the pilots a CPU weight, with the command that fixes it;
 * undefined when the cpu controller is delegated (in user@UID.service's cgroup.controllers).
 */
export function cpuDelegationProblem(dir: string, controllersText: string): string | undefined {
  if (tokens(controllersText).includes("cpu")) return undefined;
  return (
    `the cpu controller is not delegated to the user's manager ` +
    `(no cpu in ${join(dir, "cgroup.controllers")}): ${DELEGATE_FIX}`
  );
}

/** One line naming a tree for status: "user@1000.service's tree". */
export function describePilotTree(tree: PilotTree): string {
  switch (tree.kind) {
    case "system":
      return `the system's tree (${tree.root})`;
    case "user":
      return `user@${tree.uid}.service's tree (${tree.root})`;
    default:
      return `no tree of the daemon's (${tree.reason})`;
  }
}
