// A pilot's freeze as the kernel reads it (the give-back freezes through the cgroup, which
// Docker does not see): for integration tests, independent of the daemon's own freezer.
import { execFileSync } from "node:child_process";
import { findControllerTree } from "../../src/host/container-cgroup.js";
import { PilotFreezer, type FreezerState } from "../../src/host/freezer.js";

let freezer: PilotFreezer | undefined;

/** The host's freezer for Docker's default parent (or the given one); fails loudly when absent. */
export function hostFreezer(parent?: string): PilotFreezer {
  const tree = findControllerTree("freezer");
  if (!tree) throw new Error("no freezer cgroup hierarchy on this host (cgroup v1 freezer or v2)");
  const driver = execFileSync("docker", ["info", "-f", "{{.CgroupDriver}}"], { encoding: "utf8" }).trim();
  return new PilotFreezer({ tree, driver: driver === "systemd" ? "systemd" : "cgroupfs", parent });
}

/** The kernel's state of a container's freezer; undefined when its cgroup is not found. */
export async function kernelFreezeState(id: string): Promise<FreezerState | undefined> {
  freezer ??= hostFreezer();
  return freezer.state(id);
}

/** Docker's state, with "paused" where the kernel's freezer holds a running container. */
export async function effectiveState(c: { Id: string; State: string }): Promise<string> {
  if (c.State !== "running") return c.State;
  const k = await kernelFreezeState(c.Id);
  return k === "frozen" || k === "freezing" ? "paused" : "running";
}
