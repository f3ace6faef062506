// Where pilots run and at what CPU priority: their parent cgroup at idle weight (set up
// through systemd where systemd owns the slice, once the engine's cgroup driver is known),
// AppArmor, and the weight raised while pilots are paused or killed. The kernel's file is
// read back after new pilots appear and every PRIORITY_RECHECK_MS: status must not claim
// a priority the kernel does not have.
import { existsSync } from "node:fs";
import type { Config } from "../../config/schema.js";
import {
  PilotCpuMeter,
  atFullWeight,
  choosePilotTree,
  detectCgroupLayout,
  readParentWeight,
  type CgroupLayout,
  type ParentWeight,
  type PilotCpuSource,
  type PilotTree,
  type PilotUsageLedger,
} from "../../host/index.js";
import type { EngineInfo } from "../../runtime/index.js";
import type { Logger } from "../process/logger.js";
import type { PilotIds } from "./pilot-cache.js";
import { setUpParent, type ParentSetup } from "./pilot-parent-setup.js";

export interface CpuPriority {
  mode: "idle" | "normal";
  detail: string;
}

/** What pilotSpec needs of the placement. */
export interface Placement {
  cgroupParent?: string;
  apparmor: boolean;
}

export interface PilotPlacementLike {
  setEngine(info: EngineInfo, config: Config): Promise<void>;
  configure(config: Config): void;
  cpuPriority(): CpuPriority;
  placement(): Placement;
  /** Measures the pilots' CPU under their parent (undefined until the engine answered). */
  meter(): PilotCpuSource | undefined;
  /** Runs fn with the pilots' parent at a normal weight (pause and kill need it). */
  atFullWeight<T>(fn: () => Promise<T>): Promise<T>;
  /** After a sample: re-reads the kernel's weight when new pilots appeared or it is time. */
  recheckIfDue(ids: PilotIds): Promise<void>;
  /** Whose cgroup tree the pilots are in (the system's, the user's, none); undefined: not known yet. */
  tree?(): PilotTree | undefined;
}

export interface PilotPlacementOptions {
  clock: () => number;
  logger: Logger;
  usage?: PilotUsageLedger;
  /** The daemon's uid (default process.getuid()); the cgroup root and setup (tests: a fake tree). */
  uid?: number;
  cgroupRoot?: string;
  setup?: ParentSetup;
}

/** The idle weight is read back from the kernel this often, and whenever a new pilot appears. */
export const PRIORITY_RECHECK_MS = 3 * 60_000;

export class PilotPlacement implements PilotPlacementLike {
  private layout?: CgroupLayout;
  private systemLayout?: CgroupLayout;
  private pilotTree?: PilotTree;
  private priority: CpuPriority = { mode: "normal", detail: "normal: Docker not reached yet" };
  private parent?: string;
  private weight?: ParentWeight;
  private engineInfo?: EngineInfo;
  private requested?: "idle" | "normal";
  private config?: Config;
  private pilotMeter?: PilotCpuMeter;
  private checkedAtMs = 0;
  private raised = 0;
  private knownPilots = new Set<string>();

  constructor(private readonly opts: PilotPlacementOptions) {}

  async setEngine(info: EngineInfo, config: Config): Promise<void> {
    this.engineInfo = info;
    this.config = config;
    this.requested = config.pilot_cpu_priority;
    const tree = choosePilotTree({
      uid: this.opts.uid ?? process.getuid?.() ?? 0,
      rootless: info.rootless,
      engine: info.engine,
      cgroupDriver: info.cgroupDriver,
      cgroupVersion: info.cgroupVersion,
      root: this.opts.cgroupRoot,
      exists: existsSync,
    });
    this.pilotTree = tree;
    this.systemLayout ??= detectCgroupLayout(this.opts.cgroupRoot);
    // In the user's tree, its directory is the root the pilots' cgroups are found under.
    this.layout = tree.kind === "user" ? detectCgroupLayout(tree.root) : this.systemLayout;
    await this.apply();
    this.pilotMeter = new PilotCpuMeter({
      layout: this.layout,
      parent: this.parent ?? "docker",
      driver: info.cgroupDriver === "systemd" ? "systemd" : "cgroupfs",
      usage: this.opts.usage,
    });
  }

  configure(config: Config): void {
    this.config = config;
    if (this.engineInfo && config.pilot_cpu_priority !== this.requested)
      void this.setEngine(this.engineInfo, config);
  }

  tree(): PilotTree | undefined {
    return this.pilotTree;
  }

  cpuPriority(): CpuPriority {
    return this.priority;
  }

  placement(): Placement {
    return { cgroupParent: this.parent, apparmor: this.engineInfo?.apparmor ?? false };
  }

  meter(): PilotCpuSource | undefined {
    return this.pilotMeter;
  }

  async atFullWeight<T>(fn: () => Promise<T>): Promise<T> {
    // While raised on purpose, the weight is not idle: no re-check may "fix" it meanwhile.
    this.raised++;
    try {
      return await atFullWeight(this.weight, fn);
    } finally {
      this.raised--;
    }
  }

  async recheckIfDue(ids: PilotIds): Promise<void> {
    const all = [...ids.running, ...ids.paused];
    const fresh = all.some((id) => !this.knownPilots.has(id));
    this.knownPilots = new Set(all);
    if (fresh || this.opts.clock() - this.checkedAtMs >= PRIORITY_RECHECK_MS) await this.recheck();
  }

  private async apply(): Promise<void> {
    const info = this.engineInfo;
    if (!info || !this.layout || !this.config || !this.pilotTree) return;
    const parent = await (this.opts.setup ?? setUpParent)({
      tree: this.pilotTree,
      layout: this.layout,
      driver: info.cgroupDriver === "systemd" ? "systemd" : "cgroupfs",
      priority: this.config.pilot_cpu_priority,
    });
    if (parent.detail !== this.priority.detail) this.opts.logger.info(`pilot CPU priority: ${parent.detail}`);
    this.priority = { mode: parent.mode, detail: parent.detail };
    this.parent = parent.cgroupParent;
    this.weight = parent.weight;
    this.checkedAtMs = this.opts.clock();
  }

  /** Something else (systemd most of all) may have rewritten the weight: set it again, and
   *  when even that does not hold, say so. */
  private async recheck(): Promise<void> {
    const weight = this.weight;
    if (!weight || this.raised > 0) return;
    this.checkedAtMs = this.opts.clock();
    const before = await readParentWeight(weight);
    if (before.holds) return;
    this.opts.logger.warn(
      `pilot CPU priority lost: ${weight.file} reads ${before.value}, not ${weight.idle}; setting it again`,
    );
    await this.apply();
    const after = this.weight ? await readParentWeight(this.weight) : before;
    if (this.weight && !after.holds) {
      this.priority = {
        mode: "normal",
        detail:
          `normal: ${weight.file} reads ${after.value} after writing ${weight.idle} (something ` +
          `resets it)`,
      };
      this.opts.logger.warn(`pilot CPU priority: ${this.priority.detail}`);
    }
  }
}
