// After scripts/install.sh: the installed copy holds exactly the packages of the lockfile
// the tests ran on (each version, nothing missing, nothing extra), and every install
// script that --ignore-scripts skipped is one known to be optional. Any difference fails
// loudly (exit 1), naming each package.
// Usage: node --import tsx scripts/check-install.ts package-lock.json <global root>/plancton
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** Install scripts skipped by --ignore-scripts, and why the installed copy runs without them. */
export const SKIPPED_SCRIPTS: Readonly<Record<string, string>> = {
  "cpu-features": "an optional native add-on of ssh2 (Docker over ssh:// only)",
  ssh2: "builds an optional native crypto binding; the JavaScript fallback is used",
  protobufjs: "prints a version notice (etcd3's gRPC)",
};

/** Most package directories walked (the tree has a few hundred). */
const MAX_DIRS = 20_000;

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  link?: boolean;
  hasInstallScript?: boolean;
}

const nameOf = (key: string) => key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length);

/** Every `node_modules/...` package directory under `dir`, relative ("node_modules/a/node_modules/b"). */
function installedUnder(dir: string): string[] {
  const found: string[] = [];
  const queue = ["node_modules"];
  while (queue.length > 0 && found.length < MAX_DIRS) {
    const nm = queue.shift() as string;
    const entries = existsSync(path.join(dir, nm)) ? readdirSync(path.join(dir, nm)) : [];
    for (const e of entries) {
      if (e.startsWith(".")) continue;
      const names = e.startsWith("@") ? readdirSync(path.join(dir, nm, e)).map((s) => `${e}/${s}`) : [e];
      for (const n of names) {
        const rel = `${nm}/${n}`;
        if (!existsSync(path.join(dir, rel, "package.json"))) continue;
        found.push(rel);
        queue.push(`${rel}/node_modules`);
      }
    }
  }
  return found;
}

/** Every difference between the lockfile and the copy installed in `pkgDir`; empty when none. */
export function installProblems(lockText: string, pkgDir: string): { problems: string[]; checked: number } {
  const lock = JSON.parse(lockText) as { version?: string; packages?: Record<string, LockEntry> };
  const problems: string[] = [];
  const version = (rel: string) =>
    (JSON.parse(readFileSync(path.join(pkgDir, rel, "package.json"), "utf8")) as { version?: string })
      .version;
  if (version(".") !== lock.version)
    problems.push(`plancton: installed ${version(".")}, the lockfile is for ${lock.version}`);
  const wanted = Object.entries(lock.packages ?? {}).filter(([k, v]) => k !== "" && !v.dev && !v.link);
  let checked = 0;
  for (const [key, entry] of wanted) {
    const name = nameOf(key);
    if (entry.hasInstallScript && !(name in SKIPPED_SCRIPTS))
      problems.push(
        `${name}: has an install script, skipped by --ignore-scripts: ` +
          "check the copy runs without it, then list it in scripts/check-install.ts",
      );
    if (!existsSync(path.join(pkgDir, key, "package.json"))) {
      if (!entry.optional && !entry.devOptional)
        problems.push(`${name}: missing (lockfile: ${entry.version})`);
      continue;
    }
    checked++;
    const got = version(key);
    if (got !== entry.version) problems.push(`${name}: installed ${got}, lockfile ${entry.version}`);
  }
  const known = new Set(wanted.map(([k]) => k));
  for (const rel of installedUnder(pkgDir))
    if (!known.has(rel)) problems.push(`${nameOf(rel)}: installed (${version(rel)}) but not in the lockfile`);
  return { problems, checked };
}

if (process.argv[1] && import.meta.filename === path.resolve(process.argv[1])) {
  const [lockFile, pkgDir] = process.argv.slice(2);
  if (!lockFile || !pkgDir) {
    console.error("usage: check-install.ts package-lock.json <installed package dir>");
    process.exit(2);
  }
  const { problems, checked } = installProblems(readFileSync(lockFile, "utf8"), pkgDir);
  if (problems.length > 0) {
    console.error(`install check FAILED: ${pkgDir} differs from ${lockFile}:`);
    for (const p of problems.slice(0, 50)) console.error(`  ${p}`);
    if (problems.length > 50) console.error(`  ... and ${problems.length - 50} more`);
    process.exit(1);
  }
  const skipped = Object.keys(SKIPPED_SCRIPTS).join(", ");
  console.log(`install check: ${checked} packages match ${lockFile}; install scripts not run: ${skipped}`);
}
