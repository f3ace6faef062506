// owner_suppress: after each sample, the pilots' parent cpuset leaves the active owner a
// CPU of its own (policy/owner-suppress.ts decides, host/pilot-suppress.ts writes), and
// gives it back once the owner is idle, when the daemon stops, and at start (a previous
// run may have stopped while suppressed). A refused write is said once and the scheduler
// alone is left in force: never a crash, never a retry storm.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../../config/schema.js";
import { PilotCpusetSuppress, findControllerTree, slicePath, type PilotTree } from "../../host/index.js";
import { ownerSuppressed } from "../../policy/owner-suppress.js";
import type { EngineInfo } from "../../runtime/index.js";
import type { Observation } from "../../vocabulary.js";
import type { Logger } from "../process/logger.js";

export class OwnerSuppression {
  private cpuset?: PilotCpusetSuppress;
  private on = false;
  private busy = false;
  private failed?: string;
  private detail = "off (the engine has not answered yet)";

  constructor(private readonly logger: Logger) {}

  /** pilots: the pilots' tree (placement's); without it, the system's unless the engine is rootless. */
  async setEngine(info: EngineInfo, cgroupParent: string | undefined, pilots?: PilotTree): Promise<void> {
    const kind = pilots?.kind ?? (info.rootless ? "none" : "system");
    const tree =
      kind === "system"
        ? findControllerTree("cpuset")
        : pilots?.kind === "user"
          ? findControllerTree("cpuset", pilots.root)
          : undefined;
    const rel =
      cgroupParent === undefined
        ? undefined
        : info.cgroupDriver === "systemd"
          ? slicePath(cgroupParent)
          : cgroupParent.replace(/^\/+/, "");
    const dir = tree && rel !== undefined ? join(tree.base, rel) : undefined;
    // The engine makes the parent in the cpuset hierarchy with the first pilot: looked for at each apply.
    this.cpuset = tree && dir ? new PilotCpusetSuppress(tree, dir) : undefined;
    this.detail = this.cpuset
      ? `cpuset (${this.cpuset.file})`
      : `unavailable (${rel === undefined ? "no pilots' parent cgroup" : "no cpuset hierarchy"})`;
    this.failed = undefined;
    if (this.cpuset && existsSync(this.cpuset.file))
      await this.apply(false, "start: every CPU to the pilots");
  }

  /** After a sample: suppress or restore as the rule says. */
  async afterSample(config: Config, obs: Observation | undefined, running: number): Promise<void> {
    if (!this.cpuset || this.busy || this.failed !== undefined || !existsSync(this.cpuset.file)) return;
    const want = ownerSuppressed({
      mode: config.owner_suppress,
      ownerCpu: obs?.cpu_owner,
      ncpus: obs?.ncpus ?? 1,
      activeCores: config.owner_active_cores,
      running,
      suppressed: this.on,
    });
    if (want !== this.on) await this.apply(want, want ? "the owner is active" : "the owner is idle");
  }

  /** The daemon stops: every CPU back to the pilots. */
  async stop(): Promise<void> {
    if (this.on) await this.apply(false, "stopping");
  }

  inForce(config: Config): string {
    if (config.owner_suppress === "off") return "off (owner_suppress: off)";
    if (this.failed !== undefined) return `off: ${this.failed}`;
    return `${this.detail}${this.on ? ": SUPPRESSED now" : ""}`;
  }

  private async apply(suppress: boolean, why: string): Promise<void> {
    const cpuset = this.cpuset!;
    this.busy = true;
    try {
      const cpus = suppress ? await cpuset.suppress(1) : await cpuset.restore();
      if (suppress || this.on) this.logger.info(`owner_suppress: pilots on CPUs ${cpus} (${why})`);
      this.on = suppress;
    } catch (err) {
      this.failed = (err as Error).message;
      this.logger.warn(`owner_suppress: ${this.failed}; the scheduler alone protects the owner`);
      if (suppress) await cpuset.restore().catch(() => undefined);
      this.on = false;
    } finally {
      this.busy = false;
    }
  }
}
