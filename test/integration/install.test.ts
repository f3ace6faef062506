// The README's install gives a standalone copy: scripts/install.sh run from a copy of the
// repository installs into a temporary prefix, the copy is deleted, and planctonctl runs.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp, lstat, mkdir, mkdtemp, readlink, realpath, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
let dir: string | undefined;
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("install.sh from a clone gives a planctonctl that still runs once the clone is gone", async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "plancton-install-"));
  const clone = path.join(dir, "clone");
  const prefix = path.join(dir, "prefix");
  // The files a clone has (tracked, plus new ones not ignored), and the installed dev dependencies.
  const { stdout } = await run("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  for (const f of stdout.split("\0").filter(Boolean)) {
    const from = path.join(ROOT, f);
    if (!(await lstat(from).catch(() => undefined))) continue; // deleted in the work tree
    await mkdir(path.dirname(path.join(clone, f)), { recursive: true });
    await cp(from, path.join(clone, f), { verbatimSymlinks: true });
  }
  await symlink(path.join(ROOT, "node_modules"), path.join(clone, "node_modules"));
  const install = await run("bash", ["scripts/install.sh", "--prefix", prefix], {
    cwd: clone,
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  assert.match(
    install.stdout,
    /installed plancton-[\d.a-z-]+\.tgz: planctonctl and plancton-bootstrap are in \S+\/bin/,
  );
  await rm(clone, { recursive: true, force: true });

  const bin = path.join(prefix, "bin", "planctonctl");
  assert.ok(
    (await realpath(bin)).startsWith(await realpath(prefix)),
    `${bin} -> ${await readlink(bin)} points outside the prefix`,
  );
  const version = await run(bin, ["--version"], { timeout: 60_000 });
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  const pkg = path.join(prefix, "lib", "node_modules", "plancton");
  const check = await run(bin, ["config", "check", path.join(pkg, "conf-examples", "dryrun.yaml")], {
    timeout: 60_000,
  });
  assert.match(check.stdout, /dryrun\.yaml: valid/);
  const defaults = await run(bin, ["--confdir", path.join(dir, "conf"), "config", "check"], {
    timeout: 60_000,
  });
  assert.match(defaults.stdout, /absent: the defaults apply/);
  await lstat(path.join(pkg, "systemd", "plancton.service"));
  const boot = await run(path.join(prefix, "bin", "plancton-bootstrap"), ["--help"], { timeout: 60_000 });
  assert.match(boot.stdout, /Usage: plancton-bootstrap/);
});
