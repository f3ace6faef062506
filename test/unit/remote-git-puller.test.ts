// GitPuller's bookkeeping with an injected pull: one error report per distinct message,
// status for planctonctl, recovery. The real git runs are in test/integration.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  describeGitFailure,
  GitPuller,
  GitPullError,
  type GitPullResult,
} from "../../src/config/remote/git-pull.js";

const C = "/etc/plancton";

test("errors are reported once per distinct message; status counts every failure", async () => {
  let now = 1000;
  const outcomes: (GitPullResult | GitPullError)[] = [
    new GitPullError(C, "network", "cannot fetch from the remote: x"),
    new GitPullError(C, "network", "cannot fetch from the remote: x"),
    new GitPullError(C, "diverged", "diverged"),
    { changed: true, message: "updated a..b (1 file)", fromCommit: "a", toCommit: "b" },
    new GitPullError(C, "network", "cannot fetch from the remote: x"),
  ];
  const puller = new GitPuller({
    confdir: C,
    everySeconds: 0,
    clock: () => now,
    pull: async () => {
      const next = outcomes.shift();
      if (next instanceof Error) throw next;
      return next as GitPullResult;
    },
  });
  const errors: string[] = [];
  let recovered = 0;
  const pulled: GitPullResult[] = [];
  puller.on("error", (e) => errors.push(e.message));
  puller.on("recovered", () => recovered++);
  puller.on("pulled", (r) => pulled.push(r));

  assert.equal(await puller.pullNow(), undefined);
  now = 2000;
  assert.equal(await puller.pullNow(), undefined);
  assert.deepEqual(errors, ["git pull in /etc/plancton: cannot fetch from the remote: x"]);
  assert.equal(puller.status().failingSinceMs, 1000);
  assert.equal(puller.status().errors, 2);
  now = 3000;
  await puller.pullNow();
  assert.equal(errors.length, 2, "a new message is reported");
  now = 4000;
  const ok = await puller.pullNow();
  assert.equal(ok?.changed, true);
  assert.equal(recovered, 1);
  assert.deepEqual(puller.status(), {
    confdir: C,
    errors: 3,
    lastSuccessAtMs: 4000,
    lastChangeAtMs: 4000,
    lastCommit: "b",
    lastError: undefined,
    failingSinceMs: undefined,
  });
  assert.equal(pulled.length, 1);
  await puller.pullNow();
  assert.equal(errors.length, 3, "after a success the same message is reported again");
  await puller.close();
  assert.equal(await puller.pullNow(), undefined, "closed: no more pulls");
});

test("concurrent pullNow calls share one pull", async () => {
  let calls = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const puller = new GitPuller({
    confdir: C,
    everySeconds: 0,
    pull: async () => {
      calls++;
      await gate;
      return { changed: false, message: "already up to date at a", fromCommit: "a", toCommit: "a" };
    },
  });
  const a = puller.pullNow();
  const b = puller.pullNow();
  release();
  assert.deepEqual(await a, await b);
  assert.equal(calls, 1);
  await puller.close();
});

test("git's stderr becomes one line that says what to do", () => {
  const fail = (stderr: string, extra: object = {}) =>
    describeGitFailure(C, Object.assign(new Error("Command failed"), { code: 128, stderr }, extra), 60_000);
  assert.equal(
    fail(
      "hint: Diverging branches can't be fast-forwarded...\nfatal: Not possible to fast-forward, aborting.\n",
    ).kind,
    "diverged",
  );
  assert.match(
    fail("fatal: Not possible to fast-forward, aborting.\n").message,
    /^git pull in \/etc\/plancton: the local branch and its remote have diverged .*reset --hard @\{u\}$/,
  );
  const over = fail(
    "error: The following untracked working tree files would be overwritten by merge:\n\textra.yaml\nPlease move or remove them before you merge.\nAborting\n",
  );
  assert.equal(over.kind, "overwrite");
  assert.match(over.message, /\(extra\.yaml\)/);
  assert.equal(
    fail("fatal: not a git repository (or any of the parent directories): .git\n").kind,
    "not-a-repo",
  );
  assert.equal(fail("fatal: unable to access 'https://x/': Could not resolve host: x\n").kind, "network");
  assert.equal(fail("", { killed: true, signal: "SIGTERM" }).kind, "timeout");
  assert.equal(
    describeGitFailure(C, Object.assign(new Error("spawn git ENOENT"), { code: "ENOENT" }), 1).message,
    "git pull in /etc/plancton: git is not installed: apt-get install -y git",
  );
  for (const e of [fail("fatal: something odd\n"), fail("fatal: Not possible to fast-forward, aborting.\n")])
    assert.ok(!e.message.includes("\n"));
});
