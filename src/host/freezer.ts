// The kernel's freezer, written directly: a pilot's processes stop in milliseconds
// whatever the container engine is doing (issue 25: `docker pause` once took 19 s while
// dockerd answered late). cgroup v1: freezer.state FROZEN / THAWED (reads FREEZING until
// every task stopped); cgroup v2: cgroup.freeze 1 / 0, and "frozen 1" in cgroup.events.
// The engine does not see these writes (Docker still says "running"): the daemon keeps
// its view consistent (src/daemon/owners/kernel-freezer.ts).

import { readFile, writeFile } from "node:fs/promises";
import { constants } from "node:fs";
import { join } from "node:path";
import type { DockerCgroupDriver } from "./cgroup-layout.js";
import { containerCgroupDirs, type ControllerTree } from "./container-cgroup.js";

export type FreezerState = "frozen" | "freezing" | "thawed";

export interface PilotFreezerOptions {
  readonly tree: ControllerTree;
  readonly driver: DockerCgroupDriver;
  /** The pilots' HostConfig.CgroupParent (undefined: the engine's default). */
  readonly parent: string | undefined;
}

/** The freezer could not act on this pilot (no cgroup found, or the write failed). */
export class FreezerError extends Error {}

const WRITE = { flag: constants.O_WRONLY | constants.O_TRUNC };
/** Writes of FROZEN (1 ms apart, a 10 ms thaw every 50th) before a v1 freeze still FREEZING is undone. */
const FREEZING_READS = 500;

export class PilotFreezer {
  private readonly dirs = new Map<string, string>();

  constructor(readonly opts: PilotFreezerOptions) {}

  /** "cgroup v1 freezer.state under /sys/fs/cgroup/freezer" (for status). */
  describe(): string {
    const { version, base } = this.opts.tree;
    return `cgroup ${version} ${version === "v1" ? "freezer.state" : "cgroup.freeze"} under ${base}`;
  }

  /** The pilot's cgroup directory in the freezer's tree; undefined when none is found. */
  async dirOf(id: string): Promise<string | undefined> {
    const known = this.dirs.get(id);
    if (known !== undefined) return known;
    for (const dir of containerCgroupDirs(this.opts.tree, this.opts.driver, this.opts.parent, id)) {
      if ((await this.readState(dir)) === undefined) continue;
      this.dirs.set(id, dir);
      return dir;
    }
    return undefined;
  }

  /** The kernel's state; undefined when the pilot's cgroup is not found (gone, or elsewhere). */
  async state(id: string): Promise<FreezerState | undefined> {
    const dir = await this.dirOf(id);
    const state = dir === undefined ? undefined : await this.readState(dir);
    if (state === undefined) this.dirs.delete(id);
    return state;
  }

  /**
   * Freezes; returns the state read just after. A v1 freeze that stays FREEZING (a task in
   * the middle of an exec, e.g. runc's init right after a start) is thawed and refused with
   * a FreezerError after FREEZING_READS writes (about 1 s), as runc does, so it never stays stuck there
   * (a stuck FREEZING blocks the engine's own kill of the container).
   */
  async freeze(id: string): Promise<FreezerState> {
    let state = await this.write(id, true);
    // v1 retries a freeze only when FROZEN is written again; now and then a short thaw lets a
    // task caught mid-exec finish first (runc's freezer does the same).
    for (let i = 1; state === "freezing" && i < FREEZING_READS; i++) {
      if (i % 50 === 0) {
        await this.write(id, false);
        await new Promise((r) => setTimeout(r, 10));
      } else await new Promise((r) => setTimeout(r, 1));
      state = await this.write(id, true);
    }
    if (state !== "freezing") return state;
    await this.write(id, false).catch(() => undefined);
    throw new FreezerError(`${id.slice(0, 12)} stayed FREEZING; thawed`);
  }

  /** Thaws. Throws FreezerError. */
  async thaw(id: string): Promise<FreezerState> {
    return this.write(id, false);
  }

  /** The pilot is gone: forget its directory. */
  forget(id: string): void {
    this.dirs.delete(id);
  }

  private async write(id: string, frozen: boolean): Promise<FreezerState> {
    const dir = await this.dirOf(id);
    if (dir === undefined) throw new FreezerError(`no freezer cgroup found for ${id.slice(0, 12)}`);
    const v1 = this.opts.tree.version === "v1";
    const file = join(dir, v1 ? "freezer.state" : "cgroup.freeze");
    try {
      await writeFile(file, v1 ? (frozen ? "FROZEN" : "THAWED") : frozen ? "1" : "0", WRITE);
    } catch (err) {
      this.dirs.delete(id);
      throw new FreezerError(`${file}: ${(err as Error).message}`);
    }
    const state = await this.readState(dir);
    if (state === undefined) throw new FreezerError(`${file}: gone after the write`);
    return state;
  }

  private async readState(dir: string): Promise<FreezerState | undefined> {
    try {
      if (this.opts.tree.version === "v1") {
        const text = (await readFile(join(dir, "freezer.state"), "utf8")).trim();
        return text === "FROZEN" ? "frozen" : text === "FREEZING" ? "freezing" : "thawed";
      }
      // cgroup.freeze says what was asked; cgroup.events' "frozen" says whether it is done.
      const [asked, events] = await Promise.all([
        readFile(join(dir, "cgroup.freeze"), "utf8"),
        readFile(join(dir, "cgroup.events"), "utf8"),
      ]);
      if (/^frozen 1$/m.test(events)) return "frozen";
      return asked.trim() === "1" ? "freezing" : "thawed";
    } catch {
      return undefined;
    }
  }
}
