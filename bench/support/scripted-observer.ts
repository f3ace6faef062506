// A host observer whose owner CPU the benchmark sets (the tests' FixedObserver), with the
// pilots under the benchmarks' idle-priority parent and pauses/kills at full weight as
// the real observer does. For figures that must not depend on the other load of a shared
// machine (which the real sampler rightly counts as the owner's).
import { atFullWeight, type PilotParent } from "../../src/host/index.js";
import type { CpuPriority } from "../../src/daemon/owners/pilot-placement.js";
import { FixedObserver } from "../../test/helpers/fixed-observer.js";

export class ScriptedObserver extends FixedObserver {
  constructor(
    private readonly parent: PilotParent,
    overrides: Record<string, number> = {},
  ) {
    super(overrides);
  }

  override cpuPriority(): CpuPriority {
    return { mode: "idle" as const, detail: `${this.parent.detail} (scripted observer)` };
  }

  override placement() {
    return { cgroupParent: this.parent.cgroupParent, apparmor: false };
  }

  override atFullWeight<T>(fn: () => Promise<T>): Promise<T> {
    return atFullWeight(this.parent.weight, fn);
  }
}
