// Which freeze is in force for the give-back: the kernel's freezer written directly
// (host/freezer.ts), found once the engine's cgroup driver and the pilots' parent are
// known, or the engine's own pause where the freezer cannot be found (rootless engines,
// no freezer hierarchy). A freezer write that fails falls back to the engine for that
// pilot, and is said once per cause, not per pilot.
import { PilotFreezer, findControllerTree, type ControllerTree } from "../../host/index.js";
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
  ) {}

  /** The engine answered: find the freezer for its driver and the pilots' parent. */
  setEngine(info: EngineInfo, cgroupParent: string | undefined): void {
    const driver = info.cgroupDriver === "systemd" ? "systemd" : "cgroupfs";
    const tree = info.rootless ? undefined : this.find();
    this.current = tree && new PilotFreezer({ tree, driver, parent: cgroupParent });
    const next = this.current
      ? `kernel freezer (${this.current.describe()}, ${driver} driver)`
      : info.rootless
        ? "engine pause (a rootless engine's cgroups are not the daemon's to write)"
        : "engine pause (no freezer cgroup hierarchy found)";
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
