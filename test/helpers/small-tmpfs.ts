// A real small tmpfs for disk-full tests: mounted by the test (root only: it fails loudly
// otherwise), filled to the last page by a filler file, freed by removing it, unmounted
// by the test even on failure.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import path from "node:path";

export interface SmallTmpfs {
  dir: string;
  /** Writes a filler file until the disk refuses (ENOSPC). */
  fill(): void;
  /** Removes the filler: space is back. */
  free(): void;
  unmount(): void;
}

const FILLER = ".filler";

export function mountSmallTmpfs(dir: string, size = "64k"): SmallTmpfs {
  assert.equal(process.getuid?.(), 0, "disk-full tests mount a tmpfs: run them as root");
  mkdirSync(dir, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", dir]);
  const filler = path.join(dir, FILLER);
  return {
    dir,
    fill() {
      const fd = openSync(filler, "a");
      const chunk = Buffer.alloc(512, 0x78);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
      } finally {
        closeSync(fd);
      }
    },
    free() {
      rmSync(filler, { force: true });
    },
    unmount() {
      execFileSync("umount", ["-l", dir]);
    },
  };
}
