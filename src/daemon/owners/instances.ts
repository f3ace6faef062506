// The instances whose pilots this daemon manages. A config change of `instance` (or of
// `container_prefix` without `instance`) must not orphan the pilots already running:
// they stay managed (listed, counted, paused for the owner, TTL-killed, removed when they
// exit) until the last of them has ended; new pilots get the new instance's label.
// The retired instances are kept in rundir, so a restart still manages their pilots.
import path from "node:path";
import type { ContainerEngine, PilotInfo } from "../../runtime/index.js";
import { instanceLabels, LABEL_INSTANCE, LABEL_MANAGED } from "../loop/labels.js";
import type { Logger } from "../process/logger.js";
import { readNoFollow, replaceFile } from "../process/safe-open.js";
import { diskFaults } from "../process/disk-faults.js";

export const RETIRED_FILE = "retired-instances";
/** Bounds what a restart reads back: names are short, and few instances ever retire at once. */
const MAX_RETIRED = 32;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export class ManagedInstances {
  private readonly retired = new Set<string>();

  private constructor(
    private current: string,
    private readonly file: string | undefined,
    retired: readonly string[],
  ) {
    for (const r of retired) if (r !== current) this.retired.add(r);
  }

  /** Reads the retired instances a previous run left in rundir (a bad file is ignored). */
  static async load(current: string, rundir: string, logger: Logger): Promise<ManagedInstances> {
    const file = path.join(rundir, RETIRED_FILE);
    let names: string[] = [];
    try {
      const text = await readNoFollow(file);
      const parsed: unknown = text === undefined || text.length > 8192 ? [] : JSON.parse(text);
      if (Array.isArray(parsed))
        names = parsed
          .filter((n): n is string => typeof n === "string" && NAME.test(n))
          .slice(0, MAX_RETIRED);
    } catch {
      names = [];
    }
    const managed = new ManagedInstances(current, file, names);
    const retired = managed.retiredInstances();
    if (retired.length > 0)
      logger.info(`still managing the pilots of earlier instance(s) ${retired.join(", ")} until they end`);
    return managed;
  }

  /** Without persistence (tests of the listing alone). */
  static inMemory(current: string): ManagedInstances {
    return new ManagedInstances(current, undefined, []);
  }

  /** The configured instance changed: the previous one's pilots stay managed. */
  async switchTo(next: string): Promise<void> {
    if (next === this.current) return;
    this.retired.add(this.current);
    this.retired.delete(next);
    this.current = next;
    await this.save();
  }

  /** Earlier instances that still have pilots (or have not been listed since a restart). */
  retiredInstances(): string[] {
    return [...this.retired];
  }

  /** The labels to list and watch by: just the instance's, or every Plancton pilot's while
   *  some are retired. */
  labels(): Record<string, string> {
    return this.retired.size === 0 ? instanceLabels(this.current) : { [LABEL_MANAGED]: "true" };
  }

  /**
   * One listing (one Docker call) of the pilots of every managed instance. A retired
   * instance with no pilot left is dropped; returns whether the set changed (re-watch events).
   */
  async list(engine: ContainerEngine): Promise<{ pilots: PilotInfo[]; changed: boolean }> {
    const listed = await engine.listPilots(this.labels());
    if (this.retired.size === 0) return { pilots: listed, changed: false };
    const pilots = listed.filter(
      (p) => p.labels[LABEL_INSTANCE] === this.current || this.retired.has(p.labels[LABEL_INSTANCE] ?? ""),
    );
    let changed = false;
    for (const old of [...this.retired]) {
      if (pilots.some((p) => p.labels[LABEL_INSTANCE] === old)) continue;
      this.retired.delete(old);
      changed = true;
    }
    if (changed) await this.save();
    return { pilots, changed };
  }

  private async save(): Promise<void> {
    if (this.file)
      await replaceFile(
        this.file,
        `${JSON.stringify([...this.retired].slice(0, MAX_RETIRED))}\n`,
        0o644,
      ).then(
        () => diskFaults.succeeded("run dir"),
        (err: unknown) => void diskFaults.failed("run dir", err),
      );
  }
}
