// The confdir plancton-bootstrap replaces: whether something is there that only --force
// may move away, and the name of the backup it is moved to.
import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { BootstrapFailure, type BootstrapDeps } from "./bootstrap-deps.js";

/** true when the confdir holds something that --force must move away first. */
export async function inspectConfdir(confdir: string, force: boolean, d: BootstrapDeps): Promise<boolean> {
  let st;
  try {
    st = await stat(confdir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new BootstrapFailure(`cannot read ${confdir}: ${(err as Error).message}`);
  }
  if (!st.isDirectory())
    throw new BootstrapFailure(
      `${confdir} is a file, not a directory: move it away, or pass another --confdir`,
    );
  const entries = await readdir(confdir);
  if (entries.length === 0) return false;
  const backup = `${confdir}.bak-${timestamp(d.now())}`;
  if (!force) {
    if (entries.includes(".git"))
      throw new BootstrapFailure(
        `${confdir} already holds a configuration repository: pass --force to replace it (the old ` +
          `one is kept as ${backup})`,
      );
    throw new BootstrapFailure(
      `${confdir} already holds files ` +
        `(${entries.slice(0, 3).join(", ")}${entries.length > 3 ? ", ..." : ""}): pass --force to ` +
        `replace them (they are kept as ${backup})`,
    );
  }
  return true;
}

export async function backupName(confdir: string, now: Date): Promise<string> {
  const base = `${confdir}.bak-${timestamp(now)}`;
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    if (!existsSync(name)) return name;
  }
}

function timestamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}
