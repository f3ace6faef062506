// Fake file trees (cgroup and /sys layouts) for unit tests: each call writes the given files
// under a fresh directory of one temp base, removed after the file's tests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after } from "node:test";

/** A `tree(files)` that returns the root of a new tree holding `files` (path -> content; a path ending in "/" is an empty directory). */
export function fakeTrees(prefix: string): (files: Record<string, string>) => string {
  const base = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(base, { recursive: true, force: true }));
  let n = 0;
  return (files) => {
    const root = join(base, `t${n++}`);
    mkdirSync(root, { recursive: true });
    for (const [p, c] of Object.entries(files)) {
      if (p.endsWith("/")) mkdirSync(join(root, p), { recursive: true });
      else {
        mkdirSync(dirname(join(root, p)), { recursive: true });
        writeFileSync(join(root, p), c);
      }
    }
    return root;
  };
}
