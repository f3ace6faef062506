// The daemon's side of the fleet: what it reports to etcd and how it obeys a fleet
// command. A fleet drain IS the drain control file (and resume clears it, as
// `planctonctl resume` does), so it reaches the policy, survives a restart and shows in
// `planctonctl status` exactly like a local drain; the last applied command is kept in
// rundir/fleet-command so a restart does not apply it twice. Nothing here is awaited by
// a tick; without a `fleet` key nothing of the fleet is loaded but this file.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../../config/schema.js";
import type { FleetCommand, FleetHandle, FleetHost, FleetState, HostReport } from "../../fleet/index.js";
import { clearControl, setControl } from "./control-files.js";
import { replaceFile } from "../process/safe-open.js";
import { diskFaults } from "../process/disk-faults.js";
import type { Logger } from "../process/logger.js";
import type { StatusSnapshot } from "../report/status.js";

export const FLEET_COMMAND_FILE = "fleet-command";

export interface DaemonFleetOptions {
  rundir: string;
  hostname: string;
  logger: Logger;
  snapshot: () => StatusSnapshot;
}

export class DaemonFleet {
  private handle?: FleetHandle;
  private key = "null";
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly opts: DaemonFleetOptions) {}

  /** Starts, restarts or stops the agent when the `fleet` key changes; never throws. */
  configure(config: Config): Promise<void> {
    this.queue = this.queue.then(async () => {
      const key = JSON.stringify(config.fleet);
      if (key === this.key) return;
      this.key = key;
      await this.handle?.stop().catch(() => undefined);
      this.handle = undefined;
      if (config.fleet === null) return;
      const { startFleet } = await import("../../fleet/index.js");
      this.handle = await startFleet(config, this.host(), this.opts.hostname);
    });
    return this.queue;
  }

  state(): FleetState | undefined {
    return this.handle?.state();
  }

  async stop(): Promise<void> {
    await this.queue;
    await this.handle?.stop().catch(() => undefined);
    this.handle = undefined;
  }

  private host(): FleetHost {
    const file = path.join(this.opts.rundir, FLEET_COMMAND_FILE);
    return {
      report: () => reportOf(this.opts.snapshot()),
      apply: async (c: FleetCommand) => {
        try {
          if (c.action === "drain") await setControl(this.opts.rundir, "drain");
          else
            await Promise.all([
              clearControl(this.opts.rundir, "drain"),
              clearControl(this.opts.rundir, "drainStop"),
            ]);
          await replaceFile(file, `${JSON.stringify(c)}\n`, 0o644);
          diskFaults.succeeded("run dir");
        } catch (err) {
          diskFaults.failed("run dir", err);
          this.opts.logger.error(
            `fleet: could not apply ${c.action} in ${this.opts.rundir}: ${(err as Error).message}`,
          );
        }
      },
      lastApplied: async () => {
        try {
          return JSON.parse(await readFile(file, "utf8")) as FleetCommand;
        } catch {
          return undefined;
        }
      },
      log: { info: (m) => this.opts.logger.info(m), warn: (m) => this.opts.logger.warn(m) },
    };
  }
}

export function reportOf(s: StatusSnapshot): HostReport {
  const remote = s.remote ?? {};
  return {
    version: s.version,
    engine: s.docker.available ? `docker ${s.docker.version ?? "?"}` : null,
    mode: s.mode,
    running: s.pilots.filter((p) => p.state === "running").length,
    paused: s.pilots.filter((p) => p.state === "paused").length,
    max: s.maxDocks,
    ncpus: s.observation.ncpus ?? 0,
    ownerCpu: s.observation.cpu_owner ?? null,
    pilotCpu: s.observation.cpu_pilots ?? null,
    priority: s.cpuPriority.mode,
    config: [remote.url ? "url" : "", remote.git ? "git" : ""].filter(Boolean).join("+") || "local",
    lastTickAtMs: s.lastTick?.atMs ?? null,
    coreHours24h: s.coreHours24h === undefined ? null : Math.round(s.coreHours24h * 100) / 100,
  };
}
