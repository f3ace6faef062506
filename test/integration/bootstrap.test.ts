// plancton-bootstrap against configuration repositories served by `git http-backend` on
// 127.0.0.1, into temporary confdirs and crontab files: nothing touches /etc, the real
// crontab or systemd. Mostly in-process (main), and once through bin/plancton-bootstrap.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { main, type BootstrapDeps } from "../../src/cli/bootstrap.js";
import { PACKAGE_ROOT } from "../../src/daemon/process/version.js";
import { createBareRepo, git, startGitServer, type GitServer } from "../helpers/git-server.js";

const GOOD = "# site configuration\ndocker_image: site/pilot:1\nmain_sleep: 12\n";
const DEV = "docker_image: site/pilot:dev\nmain_sleep: 22\n";
const BROKEN = "docker_image: site/pilot:1\nmain_sleep: 12\ndocks_per_loop: many\n";

let dir: string;
let server: GitServer;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "plancton-bootstrap-"));
  const root = path.join(dir, "repos");
  await createBareRepo(root, "alice", "conf", GOOD);
  await createBareRepo(root, "alice", "branched", DEV, { branch: "dev" });
  await createBareRepo(root, "bob", "broken", BROKEN);
  server = await startGitServer(root);
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  out: string;
  err: string;
}

/** main() in-process, output captured; systemd is never seen (a missing systemdDir). */
async function bootstrap(args: string[], deps: Partial<BootstrapDeps> = {}): Promise<Run> {
  let out = "";
  let err = "";
  const code = await main(["node", "plancton-bootstrap", ...args], {
    systemdDir: path.join(dir, "no-systemd"),
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    ...deps,
  });
  return { code, out, err };
}

const lines = (s: string) => s.split("\n").filter(Boolean);
const which = (cmd: string) =>
  new Promise<string>((resolve, reject) =>
    execFile("sh", ["-c", `command -v ${cmd}`], (err, out) => (err ? reject(err) : resolve(out.trim()))),
  );
const rebootLines = async (file: string) =>
  lines(await readFile(file, "utf8")).filter((l) => l.startsWith("@reboot"));
/** Entries of the confdir's parent: a failed run leaves no temp dir behind. */
const siblings = async (confdir: string) => (await readdir(path.dirname(confdir))).sort();

describe("clone into a confdir, twice", () => {
  let confdir: string;
  let crontab: string;
  before(async () => {
    await mkdir(path.join(dir, "c1"));
    confdir = path.join(dir, "c1", "conf");
    crontab = path.join(dir, "c1", "crontab");
    await writeFile(crontab, "MAILTO=root\n0 3 * * * /usr/local/bin/backup\n");
  });

  test("the repository is cloned, validated, and started at boot by one crontab line", async () => {
    const r = await bootstrap([
      "alice/conf",
      "--git-base",
      server.base,
      "--confdir",
      confdir,
      "--crontab-file",
      crontab,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, "");
    assert.equal(await readFile(path.join(confdir, "config.yaml"), "utf8"), GOOD);
    assert.ok(existsSync(path.join(confdir, ".git")));
    assert.equal(await git(["remote", "get-url", "origin"], confdir), `${server.base}/alice/conf`);
    const reboot = await rebootLines(crontab);
    assert.equal(reboot.length, 1);
    assert.match(
      reboot[0] ?? "",
      new RegExp(
        `^@reboot (\\S+ )?${path.join(PACKAGE_ROOT, "bin", "planctonctl")} --confdir ${confdir} start # plancton-bootstrap ${confdir}$`,
      ),
    );
    assert.match(
      await readFile(crontab, "utf8"),
      /^MAILTO=root\n0 3 \* \* \* \/usr\/local\/bin\/backup\n@reboot /,
      "the rest of the crontab is kept",
    );
    assert.match(r.out, /^git: git version /m);
    assert.match(r.out, /^Docker: answers/m);
    assert.equal(lines(r.out).at(-1), `Start Plancton now with: planctonctl --confdir ${confdir} start`);
    assert.deepEqual(await siblings(confdir), ["conf", "crontab"]);
  });

  test("a second run without --force refuses, in one line, and changes nothing", async () => {
    const r = await bootstrap([
      "alice/conf",
      "--git-base",
      server.base,
      "--confdir",
      confdir,
      "--crontab-file",
      crontab,
    ]);
    assert.equal(r.code, 1);
    assert.equal(lines(r.err).length, 1, r.err);
    assert.match(
      r.err,
      new RegExp(
        `^plancton-bootstrap: ${confdir} already holds a configuration repository: pass --force to replace it \\(the old one is kept as ${confdir}\\.bak-\\d{8}T\\d{6}Z\\)\\n$`,
      ),
    );
    assert.deepEqual(await siblings(confdir), ["conf", "crontab"]);
  });

  test("--force keeps a backup, and the crontab line is still there once", async () => {
    await writeFile(path.join(confdir, "local-note.txt"), "kept in the backup\n");
    const r = await bootstrap(
      ["alice/conf", "--git-base", server.base, "--confdir", confdir, "--crontab-file", crontab, "--force"],
      { now: () => new Date("2025-03-04T05:06:07Z") },
    );
    assert.equal(r.code, 0, r.err);
    const backup = `${confdir}.bak-20250304T050607Z`;
    assert.equal(await readFile(path.join(backup, "local-note.txt"), "utf8"), "kept in the backup\n");
    assert.ok(existsSync(path.join(backup, ".git")));
    assert.ok(!existsSync(path.join(confdir, "local-note.txt")));
    assert.match(r.out, new RegExp(`kept the previous ${confdir} as ${backup}`));
    assert.match(r.out, /start at boot: already in /);
    assert.equal((await rebootLines(crontab)).length, 1);

    // Same second again: the backup name does not collide.
    const again = await bootstrap(
      ["alice/conf", "--git-base", server.base, "--confdir", confdir, "--crontab-file", crontab, "--force"],
      { now: () => new Date("2025-03-04T05:06:07Z") },
    );
    assert.equal(again.code, 0, again.err);
    assert.ok(existsSync(`${backup}-2`));
    assert.equal((await rebootLines(crontab)).length, 1);
  });
});

test("a branch is selected with :branch, and PLANCTON_GIT_BASE names the server", async () => {
  const confdir = path.join(dir, "branch", "conf");
  const r = await bootstrap(["alice/branched:dev", "--confdir", confdir, "--no-boot"], {
    env: { ...process.env, PLANCTON_GIT_BASE: `${server.base}/` },
  });
  assert.equal(r.code, 0, r.err);
  assert.equal(await readFile(path.join(confdir, "config.yaml"), "utf8"), DEV);
  assert.equal(await git(["rev-parse", "--abbrev-ref", "HEAD"], confdir), "dev");
  assert.match(r.out, /\(branch dev\)/);
  assert.doesNotMatch(r.out, /start at boot/, "--no-boot");
});

test("an invalid config.yaml is reported with file:line and the confdir is untouched", async () => {
  const parent = path.join(dir, "broken");
  const confdir = path.join(parent, "conf");
  await mkdir(confdir, { recursive: true });
  await writeFile(path.join(confdir, "config.yaml"), "main_sleep: 30\n");
  const r = await bootstrap([
    "bob/broken",
    "--git-base",
    server.base,
    "--confdir",
    confdir,
    "--no-boot",
    "--force",
  ]);
  assert.equal(r.code, 1);
  assert.match(
    r.err,
    /invalid configuration, nothing was changed; fix it, push, and run plancton-bootstrap again:\nbob\/broken\/config\.yaml:3:1: docks_per_loop: /,
  );
  assert.equal(await readFile(path.join(confdir, "config.yaml"), "utf8"), "main_sleep: 30\n");
  assert.deepEqual(await siblings(confdir), ["conf"], "no backup, no leftover clone");

  const fresh = path.join(dir, "broken2", "conf");
  const r2 = await bootstrap(["bob/broken", "--git-base", server.base, "--confdir", fresh, "--no-boot"]);
  assert.equal(r2.code, 1);
  assert.ok(!existsSync(fresh));
  assert.deepEqual(await siblings(fresh), []);
});

test("config.yaml is read only as a regular file of bounded size: a symlink or a huge file is refused", async () => {
  const root = path.join(dir, "repos");
  const secret = path.join(dir, "secret-file");
  await writeFile(secret, "shadow_line_one: hunter2\nshadow_line_two: swordfish\n");
  const linked = await createBareRepo(root, "eve", "linked", "main_sleep: 10\n");
  await linked.commit({}, { links: { "config.yaml": secret } });
  const confdir = path.join(dir, "linked", "conf");
  const r = await bootstrap(["eve/linked", "--git-base", server.base, "--confdir", confdir, "--no-boot"]);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.err, /^plancton-bootstrap: eve\/linked has a config\.yaml that is a symbolic link: refused/);
  assert.doesNotMatch(r.out + r.err, /shadow_line|hunter2/);
  assert.ok(!existsSync(confdir));

  await createBareRepo(root, "eve", "huge", `main_sleep: 10\n${"# padding\n".repeat(120_000)}`);
  const h = await bootstrap(["eve/huge", "--git-base", server.base, "--confdir", confdir, "--no-boot"]);
  assert.equal(h.code, 1, h.out + h.err);
  assert.match(h.err, /eve\/huge has a config\.yaml of 1200015 bytes, over 1048576: a config is a few KiB/);
  assert.ok(!existsSync(confdir));
});

test("an unknown repository or branch: one clear line, exit 1", async () => {
  const confdir = path.join(dir, "unknown", "conf");
  const r = await bootstrap(["alice/nope", "--git-base", server.base, "--confdir", confdir, "--no-boot"]);
  assert.equal(r.code, 1);
  assert.equal(
    r.err,
    `plancton-bootstrap: cannot clone ${server.base}/alice/nope: no such repository (or it is private): check <user>/<repo> and --git-base\n`,
  );
  assert.ok(!existsSync(confdir));
  const b = await bootstrap([
    "alice/conf:nope",
    "--git-base",
    server.base,
    "--confdir",
    confdir,
    "--no-boot",
  ]);
  assert.equal(b.code, 1);
  assert.equal(
    b.err,
    `plancton-bootstrap: ${server.base}/alice/conf has no branch "nope": check the :branch part (or leave it out for the default branch)\n`,
  );
  assert.deepEqual(await siblings(confdir), []);
});

test("--dryrun writes the dry-run config", async () => {
  const confdir = path.join(dir, "dry", "conf");
  const crontab = path.join(dir, "dry", "crontab");
  const r = await bootstrap(["--dryrun", "--confdir", confdir, "--crontab-file", crontab]);
  assert.equal(r.code, 0, r.err);
  assert.equal(
    await readFile(path.join(confdir, "config.yaml"), "utf8"),
    await readFile(path.join(PACKAGE_ROOT, "conf-examples", "dryrun.yaml"), "utf8"),
  );
  assert.ok(!existsSync(path.join(confdir, ".git")));
  assert.doesNotMatch(r.out, /^git:/m, "no git needed");
  assert.equal((await rebootLines(crontab)).length, 1);
  const again = await bootstrap(["--dryrun", "--confdir", confdir, "--crontab-file", crontab]);
  assert.equal(again.code, 1);
  assert.match(again.err, /already holds files \(config\.yaml\): pass --force/);
});

test("usage errors exit 2", async () => {
  for (const args of [[], ["not-a-repo"], ["alice/conf", "--dryrun"], ["alice/conf", "--bogus"]]) {
    const r = await bootstrap([...args, "--confdir", path.join(dir, "usage", "conf")]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
  }
  assert.ok(!existsSync(path.join(dir, "usage")));
  assert.equal((await bootstrap(["--help"])).code, 0);
});

test("failed checks: one line each, saying the fix", async () => {
  const confdir = path.join(dir, "checks", "conf");
  const args = ["alice/conf", "--git-base", server.base, "--confdir", confdir, "--no-boot"];
  const notRoot = await bootstrap(args, { uid: 1000 });
  assert.equal(notRoot.code, 1);
  assert.equal(
    notRoot.err,
    "plancton-bootstrap: only root can configure Plancton for the whole host: run as root (sudo plancton-bootstrap ...), or pass --user\n",
  );
  const noGit = await bootstrap(args, { env: { ...process.env, PATH: path.join(dir, "empty-path") } });
  assert.equal(noGit.code, 1);
  assert.equal(noGit.err, "plancton-bootstrap: git is not available: install git: apt-get install -y git\n");
  const noDocker = await bootstrap(args, {
    env: { ...process.env, DOCKER_HOST: `unix://${path.join(dir, "no-docker.sock")}` },
  });
  assert.equal(noDocker.code, 1);
  assert.equal(lines(noDocker.err).length, 1);
  assert.match(
    noDocker.err,
    /^plancton-bootstrap: Docker does not answer on unix:\/\/\S+no-docker\.sock \(no socket\): start Docker: systemctl start docker\n$/,
  );
  assert.ok(!existsSync(path.join(dir, "checks")));
});

test("no way to start at boot: refused before anything is written, so the rerun it suggests works", async () => {
  const base = path.join(dir, "noboot");
  const onlyGit = path.join(base, "bin");
  await mkdir(onlyGit, { recursive: true });
  await symlink(await which("git"), path.join(onlyGit, "git"));
  const confdir = path.join(base, "conf");
  const env = { ...process.env, PATH: onlyGit, HOME: base };
  const noCron = await bootstrap(["alice/conf", "--git-base", server.base, "--user", "--confdir", confdir], {
    env,
  });
  assert.equal(noCron.code, 1, noCron.out);
  assert.match(
    noCron.err,
    /^plancton-bootstrap: crontab is not installed, so Plancton cannot start at boot: install cron: apt-get install -y cron \(or pass --no-boot\); nothing was changed\n$/,
  );
  assert.ok(!existsSync(confdir), "the confdir is not written");
  assert.deepEqual(await readdir(base), ["bin"]);
  const systemdDir = path.join(base, "run-systemd");
  await mkdir(systemdDir);
  const noCtl = await bootstrap(["alice/conf", "--git-base", server.base, "--confdir", confdir], {
    env,
    systemdDir,
    systemctl: path.join(base, "no-systemctl"),
  });
  assert.equal(noCtl.code, 1);
  assert.match(
    noCtl.err,
    /systemd runs but \S+no-systemctl does not answer \(not found\): fix systemctl, or pass --no-boot; nothing was changed/,
  );
  assert.ok(!existsSync(confdir));
  // The rerun it suggests goes through.
  const rerun = await bootstrap(
    ["alice/conf", "--git-base", server.base, "--user", "--confdir", confdir, "--no-boot"],
    { env },
  );
  assert.equal(rerun.code, 0, rerun.err);
});

test("with systemd: the unit is installed and enabled (a fake systemctl records the calls)", async () => {
  const base = path.join(dir, "systemd");
  const systemdDir = path.join(base, "run-systemd-system");
  const unitDir = path.join(base, "etc-systemd-system");
  const calls = path.join(base, "calls");
  const fake = path.join(base, "systemctl");
  await mkdir(systemdDir, { recursive: true });
  await writeFile(fake, `#!/bin/sh\necho "$@" >> ${calls}\n`);
  await chmod(fake, 0o755);
  const confdir = path.join(base, "conf");
  const r = await bootstrap(["alice/conf", "--git-base", server.base, "--confdir", confdir], {
    systemdDir,
    systemctl: fake,
    unitDir,
  });
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(lines(await readFile(calls, "utf8")), [
    "--version",
    "daemon-reload",
    "enable plancton.service",
  ]);
  assert.equal(
    await readFile(path.join(unitDir, "plancton.service"), "utf8"),
    await readFile(path.join(PACKAGE_ROOT, "systemd", "plancton.service"), "utf8"),
  );
  assert.match(
    await readFile(path.join(unitDir, "plancton.service.d", "confdir.conf"), "utf8"),
    new RegExp(`\\nExecStart=\\nExecStart=/usr/bin/env planctonctl --confdir ${confdir} nodaemon\\n`),
  );
  assert.match(r.out, /start at boot: enabled plancton\.service \(systemd\)/);
});

describe("through bin/plancton-bootstrap (built)", () => {
  const bin = path.join(PACKAGE_ROOT, "bin", "plancton-bootstrap");
  const run = (args: string[]) =>
    new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        [bin, ...args],
        { encoding: "utf8", timeout: 60_000 },
        (err, out, stderr) => {
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out, err: stderr });
        },
      );
    });
  before(() => {
    assert.ok(
      existsSync(path.join(PACKAGE_ROOT, "dist", "src", "cli", "bootstrap.js")),
      "run `npm run build` before the bootstrap CLI test",
    );
  });

  test("a clone, and a usage error", async () => {
    const confdir = path.join(dir, "bin", "conf");
    const crontab = path.join(dir, "bin", "crontab");
    const r = await run([
      "alice/conf",
      "--git-base",
      server.base,
      "--confdir",
      confdir,
      "--crontab-file",
      crontab,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.equal(await readFile(path.join(confdir, "config.yaml"), "utf8"), GOOD);
    assert.equal((await rebootLines(crontab)).length, 1);
    assert.equal(lines(r.out).at(-1), `Start Plancton now with: planctonctl --confdir ${confdir} start`);
    const bad = await run(["only-a-user", "--confdir", confdir]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /"only-a-user" is not user\/repo\[:branch\]/);
  });
});
