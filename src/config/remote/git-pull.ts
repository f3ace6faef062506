// config_git: keeps a confdir that is a git checkout (made by plancton-bootstrap) on
// its remote branch with `git pull --ff-only`. Anything but a clean fast-forward (local
// edits, a diverged or rewritten remote, a conflict) is refused with one line and the
// tree is left as it was; the config file watcher applies a pulled config.yaml by itself.
import { EventEmitter } from "node:events";
import { realpath } from "node:fs/promises";
import { gitErrorLine, runGit, type GitFailure } from "./git.js";

const DEFAULT_GIT_TIMEOUT_MS = 60_000;

export type GitPullErrorKind =
  | "git-missing"
  | "not-a-repo"
  | "dirty"
  | "diverged"
  | "overwrite"
  | "no-upstream"
  | "timeout"
  | "network"
  | "failed";

export class GitPullError extends Error {
  constructor(
    readonly confdir: string,
    readonly kind: GitPullErrorKind,
    detail: string,
  ) {
    super(`git pull in ${confdir}: ${detail}`);
    this.name = "GitPullError";
  }
}

export interface GitPullResult {
  changed: boolean;
  /** One line: "updated 1a2b3c4..5d6e7f8 (2 files)" or "already up to date at 1a2b3c4". */
  message: string;
  fromCommit: string;
  toCommit: string;
}

/**
 * `git -C confdir pull --ff-only`: resolves with whether HEAD moved, or rejects with a
 * one-line GitPullError, the working tree untouched.
 */
export async function gitPull(confdir: string, opts: { timeoutMs?: number } = {}): Promise<GitPullResult> {
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS);
  const git = async (args: string[]): Promise<string> => {
    const left = deadline - Date.now();
    if (left <= 0)
      throw new GitPullError(
        confdir,
        "timeout",
        `timed out after ${(opts.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS) / 1000} s; check the network and the remote`,
      );
    try {
      return (await runGit(["-C", confdir, ...args], { timeoutMs: left })).stdout.trimEnd();
    } catch (err) {
      throw describeGitFailure(confdir, err as GitFailure, opts.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS);
    }
  };

  const top = await git(["rev-parse", "--show-toplevel"]);
  if ((await realpath(top).catch(() => top)) !== (await realpath(confdir).catch(() => confdir))) {
    throw new GitPullError(
      confdir,
      "not-a-repo",
      `not the top of a git checkout (that is ${top}): run plancton-bootstrap, or remove config_git from config.yaml`,
    );
  }
  // Porcelain lines are "XY path": two status letters (either may be a space), a space.
  const dirty = (await git(["status", "--porcelain", "--untracked-files=no"]))
    .split("\n")
    .filter(Boolean)
    .map((l) => l.slice(3));
  if (dirty.length > 0) {
    const shown = dirty.slice(0, 3).join(", ") + (dirty.length > 3 ? `, and ${dirty.length - 3} more` : "");
    throw new GitPullError(
      confdir,
      "dirty",
      `local changes to ${shown}: pull refused, the tree is left alone; commit them and push, or discard them (git -C ${confdir} checkout -- .)`,
    );
  }
  const before = await git(["rev-parse", "HEAD"]);
  await git(["pull", "--ff-only", "--no-rebase", "--no-edit"]);
  const after = await git(["rev-parse", "HEAD"]);
  if (after === before)
    return {
      changed: false,
      message: `already up to date at ${before.slice(0, 7)}`,
      fromCommit: before,
      toCommit: after,
    };
  const files = (await git(["diff", "--name-only", before, after]).catch(() => ""))
    .split("\n")
    .filter(Boolean);
  return {
    changed: true,
    message: `updated ${before.slice(0, 7)}..${after.slice(0, 7)} (${files.length} file${files.length === 1 ? "" : "s"}${files.length > 0 && files.length <= 3 ? `: ${files.join(", ")}` : ""})`,
    fromCommit: before,
    toCommit: after,
  };
}

/** git's stderr as one line that says what to do. */
export function describeGitFailure(confdir: string, err: GitFailure, timeoutMs: number): GitPullError {
  if (err instanceof GitPullError) return err;
  if (err.code === "ENOENT")
    return new GitPullError(confdir, "git-missing", "git is not installed: apt-get install -y git");
  if (err.killed || err.signal)
    return new GitPullError(
      confdir,
      "timeout",
      `timed out after ${timeoutMs / 1000} s; check the network and the remote`,
    );
  const stderr = err.stderr ?? "";
  if (/not a git repository/i.test(stderr))
    return new GitPullError(
      confdir,
      "not-a-repo",
      "not a git checkout: run plancton-bootstrap <user>/<repo>, or remove config_git from config.yaml",
    );
  if (/cannot change to|No such file or directory/i.test(stderr))
    return new GitPullError(
      confdir,
      "not-a-repo",
      "the confdir does not exist: run plancton-bootstrap <user>/<repo>",
    );
  if (/Not possible to fast-forward|diverg|non-fast-forward/i.test(stderr)) {
    return new GitPullError(
      confdir,
      "diverged",
      `the local branch and its remote have diverged (not a fast-forward): the tree is left alone; if the remote is right: git -C ${confdir} reset --hard @{u}`,
    );
  }
  if (/would be overwritten|untracked working tree files/i.test(stderr)) {
    return new GitPullError(
      confdir,
      "overwrite",
      `the update would overwrite local files (${filesIn(stderr)}): the tree is left alone; move them away, then pull again`,
    );
  }
  if (/CONFLICT|conflict/.test(stderr))
    return new GitPullError(
      confdir,
      "diverged",
      `a conflict with local commits: the tree is left alone; resolve it by hand in ${confdir}`,
    );
  if (/no tracking information/i.test(stderr)) {
    return new GitPullError(
      confdir,
      "no-upstream",
      `the branch has no upstream: git -C ${confdir} branch --set-upstream-to=origin/<branch>`,
    );
  }
  const line = gitErrorLine(stderr) ?? err.message.split("\n")[0] ?? "git failed";
  if (
    /unable to access|Could not resolve|could not read|Connection refused|timed out|not found|repository .* does not exist|Authentication failed/i.test(
      stderr,
    )
  ) {
    return new GitPullError(
      confdir,
      "network",
      `cannot fetch from the remote: ${line}; check the network and the repository`,
    );
  }
  return new GitPullError(confdir, "failed", line);
}

function filesIn(stderr: string): string {
  const files = stderr
    .split("\n")
    .filter((l) => /^\t/.test(l))
    .map((l) => l.trim());
  return files.length > 0 ? files.slice(0, 3).join(", ") : "see git status";
}

export interface GitPullerOptions {
  confdir: string;
  /** config_git.pull_every; 0 disables the timer (pullNow still works). */
  everySeconds: number;
  timeoutMs?: number;
  clock?: () => number;
  /** Replaces gitPull (tests). */
  pull?: (confdir: string, opts: { timeoutMs?: number }) => Promise<GitPullResult>;
}

export interface GitPullerStatus {
  confdir: string;
  lastError?: string;
  failingSinceMs?: number;
  lastSuccessAtMs?: number;
  lastChangeAtMs?: number;
  lastCommit?: string;
  /** Failed pulls since start (a counter, for metrics). */
  errors: number;
}

export interface GitPullerEvents {
  /** Every successful pull; `result.changed` says whether HEAD moved. */
  pulled: [result: GitPullResult];
  /** Once per distinct message until the next success. */
  error: [err: GitPullError];
  recovered: [];
}

/** Runs gitPull every config_git.pull_every and on demand (SIGHUP), one at a time. */
export class GitPuller extends EventEmitter<GitPullerEvents> {
  private timer?: NodeJS.Timeout;
  private inflight?: Promise<GitPullResult | undefined>;
  private closed = false;
  private lastReported?: string;
  private st: Omit<GitPullerStatus, "confdir"> = { errors: 0 };
  private readonly clock: () => number;

  constructor(private readonly opts: GitPullerOptions) {
    super();
    this.clock = opts.clock ?? Date.now;
  }

  start(): void {
    this.setEverySeconds(this.opts.everySeconds);
  }

  setEverySeconds(seconds: number): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (seconds > 0 && !this.closed) {
      this.timer = setInterval(() => void this.pullNow(), seconds * 1000);
      this.timer.unref();
    }
  }

  /** Pulls now; concurrent calls share one pull. Never rejects: undefined on failure. */
  pullNow(): Promise<GitPullResult | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    this.inflight ??= this.pullOnce().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.inflight;
  }

  status(): GitPullerStatus {
    return { confdir: this.opts.confdir, ...this.st };
  }

  private async pullOnce(): Promise<GitPullResult | undefined> {
    try {
      const result = await (this.opts.pull ?? gitPull)(this.opts.confdir, { timeoutMs: this.opts.timeoutMs });
      const now = this.clock();
      const wasFailing = this.st.lastError !== undefined;
      this.st = {
        ...this.st,
        lastError: undefined,
        failingSinceMs: undefined,
        lastSuccessAtMs: now,
        lastCommit: result.toCommit,
        ...(result.changed ? { lastChangeAtMs: now } : {}),
      };
      this.lastReported = undefined;
      if (wasFailing) this.emit("recovered");
      this.emit("pulled", result);
      return result;
    } catch (err) {
      const e =
        err instanceof GitPullError
          ? err
          : new GitPullError(this.opts.confdir, "failed", (err as Error).message.split("\n")[0] ?? "failed");
      this.st.errors += 1;
      this.st.lastError = e.message;
      this.st.failingSinceMs ??= this.clock();
      if (e.message !== this.lastReported) {
        this.lastReported = e.message;
        if (this.listenerCount("error") > 0) this.emit("error", e);
      }
      return undefined;
    }
  }
}
