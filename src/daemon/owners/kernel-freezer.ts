// Which freeze is in force for the give-back: the kernel's freezer written directly
// (host/freezer.ts), found once the engine's cgroup driver and the pilots' parent are
// known, or the engine's own pause where the freezer cannot be found (a rootless engine's
// cgroups outside a tree of the daemon's own, no freezer hierarchy). Run as the desktop's
// user, the freezer is the user's delegated tree's (cgroup.freeze), when the daemon may
// write it. A freezer write that fails falls back to the engine for that pilot, and is
// said once per cause, not per pilot.
import { accessSync, constants } from "node:fs";
import { PilotFreezer, findControllerTree, type ControllerTree, type PilotTree } from "../../host/index.js";
import type { EngineInfo } from "../../runtime/index.js";
import type { Logger } from "../process/logger.js";

export class KernelFreezer {
  private current?: PilotFreezer;
  private why = "engine pause (the engine has not answered yet)";
  private readonly said = new Set<string>();

  /** find: where the freezer hierarchy is (tests: a tree where it is not). */
  constructor(
    private readonly logger: Logger,
    private readonly find: () => ControllerTree | undefined = () => findControllerTree("freezer"),
    private readonly writable: (dir: string) => boolean = canWrite,
  ) {}

  /**
   * The engine answered: find the freezer for its driver and the pilots' parent, in the
   * pilots' tree (placement's; without it, the system's unless the engine is rootless).
   */
  setEngine(info: EngineInfo, cgroupParent: string | undefined, pilots?: PilotTree): void {
    const driver = info.cgroupDriver === "systemd" ? "systemd" : "cgroupfs";
    const where: PilotTree = pilots ?? (info.rootless ? { kind: "none", reason: ROOTLESS } : SYSTEM);
    let tree: ControllerTree | undefined;
    let none = "no freezer cgroup hierarchy found";
    if (where.kind === "system") tree = this.find();
    else if (where.kind === "none") none = where.reason;
    else if (!this.writable(where.root)) none = `${where.root} is not writable by the daemon`;
    else tree = findControllerTree("freezer", where.root);
    this.current = tree && new PilotFreezer({ tree, driver, parent: cgroupParent });
    const next = this.current
      ? `kernel freezer (${this.current.describe()}, ${driver} driver)`
      : `engine pause (${none})`;
    if (next !== this.why) this.logger.info(`give-back freeze: ${next}`);
    this.why = next;
  }

  /** The freezer in force; undefined: the engine's pause. */
  freezer(): PilotFreezer | undefined {
    return this.current;
  }

  /** One line for status: which freeze the give-back uses. */
  inForce(): string {
    return this.why;
  }

  /** The freezer could not act on one pilot: the engine does it; said once per cause. */
  fellBack(verb: "freeze" | "thaw", message: string): void {
    const cause = message.replace(/[0-9a-f]{12,64}/g, "<id>");
    if (this.said.has(`${verb}:${cause}`)) return;
    this.said.add(`${verb}:${cause}`);
    this.logger.warn(`kernel freezer could not ${verb} a pilot (${message}); the engine's pause is used`);
  }
}

const ROOTLESS = "a rootless engine's cgroups are not the daemon's to write";
const SYSTEM: PilotTree = { kind: "system", root: "/sys/fs/cgroup" };

function canWrite(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
