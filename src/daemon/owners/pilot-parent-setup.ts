// The pilots' parent in the tree the daemon may write (host/user-cgroup.ts chose it): the
// system's as ever (systemctl), the user's own (systemctl --user, after checking that
// its manager was given the cpu controller, else the command that fixes it), or none.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  cpuDelegationProblem,
  hostSystemd,
  setupPilotParent,
  userSystemd,
  type CgroupLayout,
  type DockerCgroupDriver,
  type PilotParent,
  type PilotTree,
  type SystemdControl,
} from "../../host/index.js";

export interface ParentSetupInput {
  readonly tree: PilotTree;
  readonly layout: CgroupLayout;
  readonly driver: DockerCgroupDriver;
  readonly priority: "idle" | "normal";
}

export type ParentSetup = (input: ParentSetupInput) => Promise<PilotParent>;

export interface ParentSetupDeps {
  readonly systemd: SystemdControl;
  readonly userSystemd: (uid: number) => SystemdControl;
  readonly readText: (path: string) => string;
}

const hostDeps: ParentSetupDeps = {
  systemd: hostSystemd,
  userSystemd: (uid) => userSystemd(uid),
  readText: (path) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return "";
    }
  },
};

export async function setUpParent(
  i: ParentSetupInput,
  deps: ParentSetupDeps = hostDeps,
): Promise<PilotParent> {
  const { tree } = i;
  if (tree.kind === "none")
    return {
      cgroupParent: undefined,
      mode: "normal",
      detail: `normal: ${tree.priorityReason ?? tree.reason}`,
    };
  if (tree.kind === "system") {
    return setupPilotParent({
      layout: i.layout,
      dockerCgroupDriver: i.driver,
      priority: i.priority,
      systemd: deps.systemd,
    });
  }
  if (i.priority === "idle") {
    const problem = cpuDelegationProblem(tree.root, deps.readText(join(tree.root, "cgroup.controllers")));
    if (problem !== undefined)
      return { cgroupParent: undefined, mode: "normal", detail: `normal: ${problem}` };
  }
  const parent = await setupPilotParent({
    layout: i.layout,
    dockerCgroupDriver: i.driver,
    priority: i.priority,
    systemd: deps.userSystemd(tree.uid),
    where: tree.root,
  });
  // Weights compete among siblings: idle below the user's own units, not below other users' or services'.
  if (parent.mode !== "idle") return parent;
  return { ...parent, detail: `${parent.detail}; ${USER_SCOPE(tree.uid)}` };
}

/** What an idle parent in the user's tree yields to, said with the priority. */
const USER_SCOPE = (uid: number): string =>
  `below the user's own units; beside other users and services, at user-${uid}.slice's weight`;
