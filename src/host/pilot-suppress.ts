// A service owner's tail (issue 25): while the owner is active, the pilots' parent cpuset
// leaves it CPUs of its own (the lowest), restored once it is idle. At idle priority the
// scheduler still lets a busy pilot delay the owner's wakeups on a shared CPU (nginx p99
// 4.8x); a CPU no pilot may run on does not. cgroup v1: a parent's cpuset.cpus cannot be
// shrunk below what its children use (EBUSY), so the children shrink first and the
// parent is restored first; v2: the parent alone (its children's effective CPUs follow).

import { readdir, readFile, writeFile } from "node:fs/promises";
import { constants } from "node:fs";
import { join } from "node:path";
import type { ControllerTree } from "./container-cgroup.js";

const WRITE = { flag: constants.O_WRONLY | constants.O_TRUNC };

/** "0-3,6" -> [0, 1, 2, 3, 6] */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(",")) {
    if (part === "") continue;
    const [a, b] = part.split("-").map(Number);
    if (!Number.isInteger(a)) continue;
    for (let c = a!; c <= (Number.isInteger(b) ? b! : a!); c++) cpus.push(c);
  }
  return cpus;
}

/** [0, 1, 2, 3, 6] -> "0-3,6" */
export function formatCpuList(cpus: readonly number[]): string {
  const sorted = [...new Set(cpus)].sort((x, y) => x - y);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

export class PilotCpusetSuppress {
  private full?: string;

  /** parentDir: the pilots' parent inside the cpuset tree (v1 mount or v2 tree). */
  constructor(
    private readonly tree: ControllerTree,
    private readonly parentDir: string,
  ) {}

  get file(): string {
    return join(this.parentDir, "cpuset.cpus");
  }

  /** The parent's cpuset.cpus as the kernel reads it now. */
  async read(): Promise<string> {
    return (await readFile(this.file, "utf8")).trim();
  }

  /** Leaves the owner `ownerCpus` CPUs (the lowest); returns the pilots' list. Throws on a refused write. */
  async suppress(ownerCpus = 1): Promise<string> {
    const all = await this.allCpus();
    if (all.length <= ownerCpus) throw new Error(`${all.length} CPU(s): none to leave to the owner`);
    const pilots = formatCpuList(all.slice(ownerCpus));
    if (this.tree.version === "v1") for (const c of await this.children()) await this.write(c, pilots);
    await this.write(this.parentDir, pilots);
    return pilots;
  }

  /** Every CPU back to the pilots (the parent first on v1, then its children). */
  async restore(): Promise<string> {
    const full = formatCpuList(await this.allCpus());
    await this.write(this.parentDir, full);
    if (this.tree.version === "v1") for (const c of await this.children()) await this.write(c, full);
    return full;
  }

  /** The CPUs the parent may have: its parent's (the root's on a top-level parent). */
  private async allCpus(): Promise<number[]> {
    if (this.full === undefined) {
      const up = join(this.parentDir, "..");
      const file = this.tree.version === "v1" ? "cpuset.cpus" : "cpuset.cpus.effective";
      this.full = (await readFile(join(up, file), "utf8")).trim();
    }
    return parseCpuList(this.full);
  }

  private async children(): Promise<string[]> {
    const entries = await readdir(this.parentDir, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory()).map((e) => join(this.parentDir, e.name));
  }

  private async write(dir: string, cpus: string): Promise<void> {
    await writeFile(join(dir, "cpuset.cpus"), cpus, WRITE).catch((err: NodeJS.ErrnoException) => {
      // a child gone meanwhile is no failure
      if (dir !== this.parentDir && err.code === "ENOENT") return;
      throw new Error(`${join(dir, "cpuset.cpus")}: ${err.message}`);
    });
  }
}
