// config_git with real SSH-signed commits (ssh-keygen keys in a temp dir) on a repository
// served on 127.0.0.1: a head signed by an allowed key is applied; an unsigned head, or one
// signed by an unknown key, is refused in one line naming both commits, the tree and the
// config in force left as they were. Without allowed_signers, an unattended pull may change
// anything but the keys that grant privileges (and may not name signers itself).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import { main } from "../../src/cli/bootstrap.js";
import { ConfigStore } from "../../src/daemon/owners/config-store.js";
import { GitPuller, gitPull, GitPullError } from "../../src/config/remote/git-pull.js";
import { BareRepo, createBareRepo, git, startGitServer, type GitServer } from "../helpers/git-server.js";

const run = promisify(execFile);
let dir: string;
let server: GitServer;
let allowedKey: string;
let strangerKey: string;
let signers: string;

/** An ed25519 key pair in the temp dir; ssh-keygen missing fails the test, loudly. */
async function newKey(name: string): Promise<string> {
  const key = path.join(dir, `key-${name}`);
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key]).catch((err: Error) => {
    throw new Error(`ssh-keygen is needed (apt-get install -y openssh-client): ${err.message}`);
  });
  return key;
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "plancton-git-signed-"));
  allowedKey = await newKey("ops");
  strangerKey = await newKey("stranger");
  const line = `ops@site namespaces="git" ${(await readFile(`${allowedKey}.pub`, "utf8")).trim()}\n`;
  signers = path.join(dir, "allowed_signers");
  await writeFile(signers, line);
  server = await startGitServer(path.join(dir, "repos"));
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function bootstrap(name: string, extra: string[] = []): Promise<{ code: number; err: string }> {
  let err = "";
  const confdir = path.join(dir, name);
  const code = await main(
    [
      "node",
      "plancton-bootstrap",
      `site/${name}`,
      "--git-base",
      server.base,
      "--confdir",
      confdir,
      "--no-boot",
    ].concat(extra),
    { systemdDir: path.join(dir, "no-systemd"), stdout: () => undefined, stderr: (s) => (err += s) },
  );
  return { code, err };
}

/** gitPull refuses with kind "refused" and `why`; HEAD and config.yaml stay as they were. */
async function refused(confdir: string, why: RegExp): Promise<string> {
  const head = await git(["rev-parse", "HEAD"], confdir);
  const text = await readFile(path.join(confdir, "config.yaml"), "utf8");
  let message = "";
  await assert.rejects(gitPull(confdir, { timeoutMs: 20_000 }), (err: unknown) => {
    assert.ok(err instanceof GitPullError, String(err));
    assert.equal(err.kind, "refused", err.message);
    message = err.detail;
    return true;
  });
  assert.match(
    message,
    new RegExp(`^head [0-9a-f]{7} refused: ${why.source}.*; in force ${head.slice(0, 7)}$`),
  );
  assert.ok(!message.includes("\n"), message);
  assert.equal(await git(["rev-parse", "HEAD"], confdir), head);
  assert.equal(await readFile(path.join(confdir, "config.yaml"), "utf8"), text);
  return message;
}

describe("allowed_signers in force", () => {
  const SIGNED = "main_sleep: 10\nconfig_git: {pull_every: 10m, allowed_signers: allowed_signers}\n";
  let repo: BareRepo;
  let confdir: string;
  before(async () => {
    repo = await createBareRepo(path.join(dir, "repos"), "site", "signed", SIGNED, {
      sign: allowedKey,
      files: { allowed_signers: await readFile(signers, "utf8") },
    });
    confdir = path.join(dir, "signed");
    const r = await bootstrap("signed", ["--allowed-signers", signers]);
    assert.equal(r.code, 0, r.err);
  });

  test("a head signed by an allowed key is applied", async () => {
    await repo.commit({ "config.yaml": SIGNED.replace("10", "11") }, { sign: allowedKey });
    const r = await gitPull(confdir, { timeoutMs: 20_000 });
    assert.equal(r.changed, true, r.message);
    assert.match(await readFile(path.join(confdir, "config.yaml"), "utf8"), /main_sleep: 11/);
  });

  test("an unsigned head is refused, once in the log and in status; the last good config stays", async () => {
    await repo.commit({ "config.yaml": `${SIGNED.replace("10", "12")}docker_privileged: true\n` });
    await refused(confdir, /not signed by an allowed key \(no signature\)/);
    const puller = new GitPuller({ confdir, everySeconds: 0, timeoutMs: 20_000 });
    const errors: string[] = [];
    puller.on("error", (e) => errors.push(e.message));
    assert.equal(await puller.pullNow(), undefined);
    assert.equal(await puller.pullNow(), undefined);
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(
      puller.status().refused ?? "",
      /^head [0-9a-f]{7} refused: not signed by an allowed key \(no signature\); in force [0-9a-f]{7}$/,
    );
    assert.equal(puller.status().errors, 2);
  });

  test("a head signed by an unknown key is refused", async () => {
    await repo.commit(
      { "config.yaml": `${SIGNED.replace("10", "13")}binds: ["/:/host"]\n` },
      { sign: strangerKey },
    );
    await refused(confdir, /not signed by an allowed key(?! \(no signature\))/);
  });

  test("a signed head with config.yaml as a symbolic link is refused", async () => {
    await repo.commit({}, { sign: allowedKey, links: { "config.yaml": "/etc/shadow" } });
    await refused(confdir, /has a config\.yaml that is a symbolic link/);
  });

  test("a signed head on top of the refused ones is applied, and the puller forgets the refusal", async () => {
    await repo.commit({ "config.yaml": SIGNED.replace("10", "14") }, { sign: allowedKey });
    const puller = new GitPuller({ confdir, everySeconds: 0, timeoutMs: 20_000 });
    const r = await puller.pullNow();
    assert.equal(r?.changed, true);
    assert.equal(puller.status().refused, undefined);
    assert.match(await readFile(path.join(confdir, "config.yaml"), "utf8"), /main_sleep: 14/);
  });
});

describe("the daemon's config store (SIGHUP's path)", () => {
  test("a signed head comes into force; an unsigned one is logged once, shown in status, and changes nothing", async () => {
    const SIGNED = "main_sleep: 10\nconfig_git: {pull_every: 10m, allowed_signers: allowed_signers}\n";
    const repo = await createBareRepo(path.join(dir, "repos"), "site", "store", SIGNED, {
      sign: allowedKey,
      files: { allowed_signers: await readFile(signers, "utf8") },
    });
    assert.equal((await bootstrap("store", ["--allowed-signers", signers])).code, 0);
    const logged: string[] = [];
    const logger = pino({ level: "info" }, { write: (l: string) => void logged.push(JSON.parse(l).msg) });
    const store = new ConfigStore(path.join(dir, "store", "config.yaml"), logger);
    try {
      assert.equal((await store.start()).config.main_sleep, 10);
      await repo.commit({ "config.yaml": SIGNED.replace("10", "15") }, { sign: allowedKey });
      await store.reload(); // pulls; the next reload reads the pulled file
      await store.reload();
      assert.equal(store.latest.config.main_sleep, 15);
      const good = await git(["rev-parse", "HEAD"], path.join(dir, "store"));
      const bad = await repo.commit({
        "config.yaml": `${SIGNED.replace("10", "16")}docker_privileged: true\n`,
      });
      await store.reload();
      await store.reload();
      assert.equal(store.latest.config.main_sleep, 15, "the last good config stays");
      assert.equal(store.latest.config.docker_privileged, false);
      const git_ = (store.status() as { git: { refused?: string } }).git;
      assert.equal(
        git_.refused,
        `head ${bad.slice(0, 7)} refused: not signed by an allowed key (no signature); in force ${good.slice(0, 7)}`,
      );
      assert.equal(logged.filter((l) => l.includes("refused")).length, 1, logged.join("\n"));
    } finally {
      await store.close();
    }
  });
});

describe("no allowed_signers: privileges only by hand", () => {
  const PLAIN = 'main_sleep: 10\nbinds: ["/cvmfs:/cvmfs:ro"]\nconfig_git: {pull_every: 10m}\n';
  let repo: BareRepo;
  let confdir: string;
  before(async () => {
    repo = await createBareRepo(path.join(dir, "repos"), "site", "plain", PLAIN);
    confdir = path.join(dir, "plain");
    const r = await bootstrap("plain");
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /warning: .*config_git: this git-pulled config grants host privileges \(binds: /);
  });

  test("an unsigned head that keeps the privileges as they are is applied", async () => {
    await repo.commit({ "config.yaml": PLAIN.replace("10", "20") });
    assert.equal((await gitPull(confdir, { timeoutMs: 20_000 })).changed, true);
  });

  test("an unsigned head that adds a privilege is refused, and says how to apply it by hand", async () => {
    await repo.commit({ "config.yaml": `${PLAIN}network_mode: host\ndocker_privileged: true\n` });
    const m = await refused(
      confdir,
      /it changes keys that grant host privileges \(docker_privileged, network_mode\)/,
    );
    assert.match(
      m,
      /set config_git\.allowed_signers, or apply it by hand on this host: git -C \S+ merge --ff-only/,
    );
  });

  test("an unsigned head may not name its own signers either", async () => {
    await repo.commit({ "config.yaml": PLAIN.replace("{pull_every: 10m}", "{allowed_signers: mine}") });
    await refused(confdir, /it changes keys that grant host privileges \(config_git\.allowed_signers\)/);
  });
});

describe("plancton-bootstrap --allowed-signers", () => {
  before(async () => {
    const root = path.join(dir, "repos");
    await createBareRepo(root, "site", "unsigned", "main_sleep: 10\n");
    await createBareRepo(root, "site", "stranger", "main_sleep: 10\n", { sign: strangerKey });
  });

  test("an unsigned head is refused and nothing is written", async () => {
    const r = await bootstrap("unsigned", ["--allowed-signers", signers]);
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /^plancton-bootstrap: the head is not signed: refused, nothing was changed; sign the head/,
    );
    await assert.rejects(readFile(path.join(dir, "unsigned", "config.yaml")), { code: "ENOENT" });
  });

  test("a head signed by an unknown key is refused", async () => {
    const r = await bootstrap("stranger", ["--allowed-signers", signers]);
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /the head is not signed by a key of \S+allowed_signers \(No principal matched\.\): refused/,
    );
  });
});
