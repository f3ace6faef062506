// config_git on a confdir made by plancton-bootstrap from a repository served on
// 127.0.0.1: a pushed commit arrives (and the config watcher applies it); local edits,
// a diverged history, an untracked file in the way and an unreachable server are each
// refused in one line with the tree left exactly as it was.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { main } from "../../src/cli/bootstrap.js";
import { GitPuller, gitPull, GitPullError } from "../../src/config/remote/git-pull.js";
import { ConfigWatcher } from "../../src/config/watch.js";
import { BareRepo, createBareRepo, git, startGitServer, type GitServer } from "../helpers/git-server.js";
import { waitFor } from "../helpers/wait.js";

let dir: string;
let server: GitServer;
let repo: BareRepo;
let confdir: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "plancton-git-pull-"));
  repo = await createBareRepo(path.join(dir, "repos"), "carol", "conf", "main_sleep: 10\nupdateconfig: 1h\n");
  server = await startGitServer(path.join(dir, "repos"));
  confdir = path.join(dir, "conf");
  let err = "";
  const code = await main(
    [
      "node",
      "plancton-bootstrap",
      "carol/conf",
      "--git-base",
      server.base,
      "--confdir",
      confdir,
      "--no-boot",
    ],
    {
      systemdDir: path.join(dir, "no-systemd"),
      stdout: () => undefined,
      stderr: (s) => (err += s),
    },
  );
  assert.equal(code, 0, err);
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const config = () => readFile(path.join(confdir, "config.yaml"), "utf8");
const head = () => git(["rev-parse", "HEAD"], confdir);

/** Asserts gitPull rejects with `kind`, in one line, and HEAD and config.yaml did not move. */
async function refused(kind: string, message: RegExp): Promise<void> {
  const headBefore = await head();
  const textBefore = await config();
  await assert.rejects(gitPull(confdir, { timeoutMs: 20_000 }), (err: unknown) => {
    assert.ok(err instanceof GitPullError, String(err));
    assert.equal(err.kind, kind, err.message);
    assert.match(err.message, message);
    assert.ok(!err.message.includes("\n"), err.message);
    return true;
  });
  assert.equal(await head(), headBefore);
  assert.equal(await config(), textBefore);
}

test("nothing new: unchanged", async () => {
  const r = await gitPull(confdir, { timeoutMs: 20_000 });
  assert.equal(r.changed, false);
  assert.match(r.message, /^already up to date at [0-9a-f]{7}$/);
});

test("a pushed commit is pulled, and the config watcher applies it by itself", async () => {
  const watcher = new ConfigWatcher(path.join(confdir, "config.yaml"));
  await watcher.start();
  try {
    assert.equal(watcher.current.config.main_sleep, 10);
    const pushed = await repo.commit({ "config.yaml": "main_sleep: 11\nupdateconfig: 1h\n" });
    const r = await gitPull(confdir, { timeoutMs: 20_000 });
    assert.equal(r.changed, true);
    assert.equal(r.toCommit, pushed);
    assert.match(r.message, /^updated [0-9a-f]{7}\.\.[0-9a-f]{7} \(1 file: config\.yaml\)$/);
    assert.equal(await config(), "main_sleep: 11\nupdateconfig: 1h\n");
    await waitFor("the watcher to apply main_sleep 11", () => watcher.current.config.main_sleep === 11, 5000);
  } finally {
    await watcher.close();
  }
});

test("local uncommitted edits: refused, the edit is kept", async () => {
  await writeFile(path.join(confdir, "config.yaml"), "main_sleep: 99\nupdateconfig: 1h\n");
  await repo.commit({ "config.yaml": "main_sleep: 12\nupdateconfig: 1h\n" });
  await refused(
    "dirty",
    new RegExp(
      `^git pull in ${confdir}: local changes to config\\.yaml: pull refused, the tree is left alone; `,
    ),
  );
  assert.equal(await config(), "main_sleep: 99\nupdateconfig: 1h\n");
  await git(["checkout", "--", "."], confdir);
  assert.equal((await gitPull(confdir, { timeoutMs: 20_000 })).changed, true);
  assert.equal(await config(), "main_sleep: 12\nupdateconfig: 1h\n");
});

test("a diverged local commit: refused as not a fast-forward, the tree untouched", async () => {
  await writeFile(path.join(confdir, "config.yaml"), "main_sleep: 50\nupdateconfig: 1h\n");
  await git(["commit", "--quiet", "-am", "local fix"], confdir);
  await repo.commit({ "config.yaml": "main_sleep: 13\nupdateconfig: 1h\n" });
  await refused(
    "diverged",
    /the local branch and its remote have diverged \(not a fast-forward\): the tree is left alone; if the remote is right: git -C \S+ reset --hard @\{u\}$/,
  );
  assert.equal(await config(), "main_sleep: 50\nupdateconfig: 1h\n");
  assert.equal(await git(["status", "--porcelain"], confdir), "", "no merge in progress, nothing staged");
  await git(["reset", "--quiet", "--hard", "@{u}"], confdir); // what the message says to do
  assert.equal(await config(), "main_sleep: 13\nupdateconfig: 1h\n");
});

test("an untracked local file in the way of the update: refused", async () => {
  await writeFile(path.join(confdir, "extra.yaml"), "mine\n");
  await repo.commit({ "extra.yaml": "theirs\n" });
  await refused(
    "overwrite",
    /the update would overwrite local files \(extra\.yaml\): the tree is left alone/,
  );
  assert.equal(await readFile(path.join(confdir, "extra.yaml"), "utf8"), "mine\n");
  await rm(path.join(confdir, "extra.yaml"));
  assert.equal((await gitPull(confdir, { timeoutMs: 20_000 })).changed, true);
});

test("not a git checkout: a clear error", async () => {
  const plain = await mkdtemp(path.join(dir, "plain-"));
  await assert.rejects(gitPull(plain, { timeoutMs: 10_000 }), (err: unknown) => {
    assert.ok(err instanceof GitPullError);
    assert.equal(err.kind, "not-a-repo");
    assert.match(
      err.message,
      /run plancton-bootstrap <user>\/<repo>, or remove config_git from config\.yaml$/,
    );
    return true;
  });
});

test("GitPuller: the server goes away, one error for repeated failures, status says since when", async () => {
  let now = 7_000;
  const puller = new GitPuller({ confdir, everySeconds: 0, timeoutMs: 20_000, clock: () => now });
  const errors: string[] = [];
  const pulled: boolean[] = [];
  puller.on("error", (e) => errors.push(e.message));
  puller.on("pulled", (r) => pulled.push(r.changed));
  try {
    await repo.commit({ "config.yaml": "main_sleep: 14\nupdateconfig: 1h\n" });
    assert.equal((await puller.pullNow())?.changed, true);
    await server.stop();
    now = 8_000;
    assert.equal(await puller.pullNow(), undefined);
    now = 9_000;
    assert.equal(await puller.pullNow(), undefined);
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(
      errors[0] ?? "",
      /^git pull in \S+: cannot fetch from the remote: .*; check the network and the repository$/,
    );
    const st = puller.status();
    assert.equal(st.errors, 2);
    assert.equal(st.failingSinceMs, 8_000);
    assert.equal(st.lastChangeAtMs, 7_000);
    assert.deepEqual(pulled, [true]);
    assert.equal(await config(), "main_sleep: 14\nupdateconfig: 1h\n");
  } finally {
    await puller.close();
  }
});

test("a branch without an upstream: refused in one line that says the fix", async () => {
  const other = path.join(dir, "lonely");
  await git(["clone", "--quiet", confdir, other]);
  await git(["checkout", "--quiet", "-b", "lonely"], other);
  await assert.rejects(gitPull(other, { timeoutMs: 20_000 }), (err: unknown) => {
    assert.ok(err instanceof GitPullError, String(err));
    assert.equal(err.kind, "no-upstream", err.message);
    assert.match(
      err.message,
      /the branch has no upstream: git -C \S+ branch --set-upstream-to=origin\/<branch>$/,
    );
    return true;
  });
});
