// The instances whose pilots this daemon manages. A config change of `instance` (or of
// `container_prefix` without `instance`) must not orphan the pilots already running:
// they stay managed (listed, counted, paused for the owner, TTL-killed, removed when they
// exit) until the last of them has ended; new pilots get the new instance's label.
// (Within this run: a restart adopts only the configured instance's pilots.)
import type { ContainerEngine, PilotInfo } from "../runtime/index.js";
import { instanceLabels, LABEL_INSTANCE, LABEL_MANAGED } from "./labels.js";

export class ManagedInstances {
  private readonly retired = new Set<string>();

  constructor(private current: string) {}

  /** The configured instance changed: the previous one's pilots stay managed. */
  switchTo(next: string): void {
    if (next === this.current) return;
    this.retired.add(this.current);
    this.retired.delete(next);
    this.current = next;
  }

  /** Earlier instances of this run that still have pilots. */
  retiredInstances(): string[] {
    return [...this.retired];
  }

  /** The labels to list and watch by: just the instance's, or every Plancton pilot's while some are retired. */
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
    const pilots = listed.filter((p) => p.labels[LABEL_INSTANCE] === this.current || this.retired.has(p.labels[LABEL_INSTANCE] ?? ""));
    let changed = false;
    for (const old of [...this.retired]) {
      if (pilots.some((p) => p.labels[LABEL_INSTANCE] === old)) continue;
      this.retired.delete(old);
      changed = true;
    }
    return { pilots, changed };
  }
}
