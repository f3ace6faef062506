// The README's install gives a standalone copy: scripts/install.sh run from a copy of the
// repository installs into a temporary prefix, the copy is deleted, and planctonctl runs.
// What is installed is what was tested: the lockfile's versions exactly (the package ships
// npm-shrinkwrap.json, the clone keeps package-lock.json), no install script run (the
// optional native add-ons are not built, and the copy works without them), and a copy that
// differs from the lockfile fails the check loudly.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import {
  cp,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  realpath,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
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
  // node_modules is linked below (a worktree's node_modules symlink is not matched by "node_modules/").
  for (const f of stdout.split("\0").filter((f) => f !== "" && f !== "node_modules")) {
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
  assert.match(
    install.stdout,
    /^install check: \d+ packages match package-lock\.json; install scripts not run: /m,
  );
  assert.ok(
    existsSync(path.join(clone, "package-lock.json")),
    "the clone keeps package-lock.json for npm ci",
  );
  assert.ok(!existsSync(path.join(clone, "npm-shrinkwrap.json")), "the shrinkwrap is made at pack time only");
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

  // The tested tree: the shipped shrinkwrap is the lockfile, and nothing was built as root.
  const lockText = await readFile(path.join(ROOT, "package-lock.json"), "utf8");
  const shrinkwrap = JSON.parse(await readFile(path.join(pkg, "npm-shrinkwrap.json"), "utf8")) as object;
  assert.deepEqual(shrinkwrap, JSON.parse(lockText));
  for (const built of ["cpu-features/build", "ssh2/lib/protocol/crypto/build"])
    assert.ok(!existsSync(path.join(pkg, "node_modules", built)), `${built}: an install script ran`);
  const loads = await run(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      'await import("dockerode"); await import("ssh2"); await import("etcd3"); console.log("loaded")',
    ],
    { cwd: pkg, timeout: 60_000 },
  );
  assert.equal(loads.stdout.trim(), "loaded");

  // A copy that differs from the lockfile fails the check, naming the package.
  const lock = JSON.parse(lockText) as { packages: Record<string, { version: string }> };
  const installed = lock.packages["node_modules/js-yaml"]?.version;
  (lock.packages["node_modules/js-yaml"] as { version: string }).version = "0.0.1";
  const tampered = path.join(dir, "tampered-lock.json");
  await writeFile(tampered, JSON.stringify(lock));
  await assert.rejects(
    run(process.execPath, ["--import", "tsx", "scripts/check-install.ts", tampered, pkg], { cwd: ROOT }),
    (err: Error & { code?: number; stderr?: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr ?? "", /^install check FAILED: /);
      assert.match(
        err.stderr ?? "",
        new RegExp(`^  js-yaml: installed ${installed}, lockfile 0\\.0\\.1$`, "m"),
      );
      return true;
    },
  );
});
