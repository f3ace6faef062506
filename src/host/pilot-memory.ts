// A pilot's memory as its own cgroup counts it (cgroup v1 memory.usage_in_bytes, v2
// memory.current): what killing it gives back, for the memory give-back's victim set.
// One small synchronous read per pilot, its directory found once (the CPU meter's finder).

import { join } from "node:path";
import type { DockerCgroupDriver } from "./cgroup-layout.js";
import { containerCgroupDirs, type ControllerTree } from "./container-cgroup.js";
import { readKept } from "./kept-file.js";

function readUint(path: string): number | undefined {
  const value = Number.parseInt(readKept(path) ?? "", 10);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

export class PilotMemory {
  private readonly files = new Map<string, string>();

  constructor(
    private readonly tree: ControllerTree,
    private readonly driver: DockerCgroupDriver,
    private readonly parent: string | undefined,
  ) {}

  /** "cgroup v1 memory.usage_in_bytes under /sys/fs/cgroup/memory" (for status). */
  describe(): string {
    return `cgroup ${this.tree.version} ${this.fileName()} under ${this.tree.base}`;
  }

  /** Bytes the pilot's cgroup uses now; undefined when its cgroup is not found. */
  usageBytes(id: string): number | undefined {
    const known = this.files.get(id);
    if (known !== undefined) {
      const v = readUint(known);
      if (v !== undefined) return v;
      this.files.delete(id);
    }
    for (const dir of containerCgroupDirs(this.tree, this.driver, this.parent, id)) {
      const file = join(dir, this.fileName());
      const v = readUint(file);
      if (v === undefined) continue;
      this.files.set(id, file);
      return v;
    }
    return undefined;
  }

  /** Forget the pilots not in `ids` (ended). */
  keepOnly(ids: ReadonlySet<string>): void {
    for (const id of this.files.keys()) if (!ids.has(id)) this.files.delete(id);
  }

  private fileName(): string {
    return this.tree.version === "v1" ? "memory.usage_in_bytes" : "memory.current";
  }
}
