// config_git: keeps a confdir that is a git checkout (made by plancton-bootstrap) on
// its remote branch: fetch, check the new head (git-head-check.ts: signed by an allowed
// key, or changing no privilege), then fast-forward. Anything but a clean, accepted
// fast-forward (local edits, a diverged or rewritten remote, a refused head) is refused
// with one line and the tree is left as it was; the config file watcher applies a
// pulled config.yaml by itself.
import { EventEmitter } from "node:events";
import { realpath } from "node:fs/promises";
import { describeGitFailure, GitPullError } from "./git-failure.js";
import { checkHead, type HeadGit } from "./git-head-check.js";
import { runGit, type GitFailure } from "./git.js";

export * from "./git-failure.js";

const DEFAULT_GIT_TIMEOUT_MS = 60_000;

export interface GitPullResult {
  changed: boolean;
  /** One line: "updated 1a2b3c4..5d6e7f8 (2 files)" or "already up to date at 1a2b3c4". */
  message: string;
  fromCommit: string;
  toCommit: string;
  /** config.yaml's keys at the new HEAD, when it moved (the puller's fallback "in force" copy). */
  config?: Record<string, unknown>;
}

export interface GitPullOptions {
  timeoutMs?: number;
  /** The config in force when HEAD's config.yaml cannot be read (the puller's last good copy). */
  inForce?: Record<string, unknown>;
}

/** git in the confdir under one deadline: every failure a one-line GitPullError. */
function gitIn(confdir: string, timeoutMs: number): HeadGit {
  const deadline = Date.now() + timeoutMs;
  const timeout = () =>
    new GitPullError(
      confdir,
      "timeout",
      `timed out after ${timeoutMs / 1000} s; check the network and the remote`,
    );
  const raw = (args: string[]) => {
    const left = deadline - Date.now();
    if (left <= 0) throw timeout();
    return runGit(["-C", confdir, ...args], { timeoutMs: left });
  };
  const git = async (args: string[]): Promise<string> => {
    try {
      return (await raw(args)).stdout.trimEnd();
    } catch (err) {
      throw describeGitFailure(confdir, err as GitFailure, timeoutMs);
    }
  };
  const status = async (args: string[]) => {
    try {
      return { code: 0, stderr: (await raw(args)).stderr };
    } catch (err) {
      const e = err as GitFailure;
      if (typeof e.code !== "number" || e.killed) throw describeGitFailure(confdir, e, timeoutMs);
      return { code: e.code, stderr: e.stderr ?? "" };
    }
  };
  const ok = async (args: string[]) => {
    const r = await status(args);
    if (r.code > 1) throw describeGitFailure(confdir, Object.assign(new Error("git failed"), r), timeoutMs);
    return r.code === 0;
  };
  return Object.assign(git, { ok, status });
}

/**
 * Fetches, checks and fast-forwards the confdir: resolves with whether HEAD moved, or
 * rejects with a one-line GitPullError, the working tree untouched.
 */
export async function gitPull(confdir: string, opts: GitPullOptions = {}): Promise<GitPullResult> {
  const git = gitIn(confdir, opts.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS);
  const top = await git(["rev-parse", "--show-toplevel"]);
  if ((await realpath(top).catch(() => top)) !== (await realpath(confdir).catch(() => confdir))) {
    throw new GitPullError(
      confdir,
      "not-a-repo",
      `not the top of a git checkout (that is ${top}): run plancton-bootstrap, or remove ` +
        `config_git from config.yaml`,
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
      `local changes to ${shown}: pull refused, the tree is left alone; commit them and push, or ` +
        `discard them (git -C ${confdir} checkout -- .)`,
    );
  }
  const before = await git(["rev-parse", "HEAD"]);
  await git(["fetch", "--quiet", "--no-tags"]);
  const head = await git(["rev-parse", "--verify", "@{upstream}^{commit}"]);
  const upToDate = {
    changed: false,
    message: `already up to date at ${before.slice(0, 7)}`,
    fromCommit: before,
    toCommit: before,
  };
  // Local commits not pushed yet: nothing to take (as pull --ff-only says).
  if (head === before || (await git.ok(["merge-base", "--is-ancestor", head, before]))) return upToDate;
  if (!(await git.ok(["merge-base", "--is-ancestor", before, head])))
    throw describeGitFailure(
      confdir,
      Object.assign(new Error("diverged"), { stderr: "fatal: Not possible to fast-forward" }),
      0,
    );
  const config = await checkHead(git, confdir, before, head, { inForce: opts.inForce });
  await git(["merge", "--ff-only", "--quiet", head]);
  const after = await git(["rev-parse", "HEAD"]);
  const files = (await git(["diff", "--name-only", before, after]).catch(() => ""))
    .split("\n")
    .filter(Boolean);
  return {
    changed: true,
    message:
      `updated ${before.slice(0, 7)}..${after.slice(0, 7)} ` +
      `(${files.length} file${files.length === 1 ? "" : "s"}` +
      `${files.length > 0 && files.length <= 3 ? `: ${files.join(", ")}` : ""})`,
    fromCommit: before,
    toCommit: after,
    config,
  };
}

export interface GitPullerOptions {
  confdir: string;
  /** config_git.pull_every; 0 disables the timer (pullNow still works). */
  everySeconds: number;
  timeoutMs?: number;
  clock?: () => number;
  /** Replaces gitPull (tests). */
  pull?: (confdir: string, opts: GitPullOptions) => Promise<GitPullResult>;
}

export interface GitPullerStatus {
  confdir: string;
  lastError?: string;
  failingSinceMs?: number;
  lastSuccessAtMs?: number;
  lastChangeAtMs?: number;
  lastCommit?: string;
  /**
   * The head refused last, as status shows it: "head abc1234 refused: not signed by an
   * allowed key; in force def5678 (...)"; cleared when a head is accepted.
   */
  refused?: string;
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
  /** config.yaml's keys at the last accepted head (in case HEAD's copy becomes unreadable). */
  private inForce?: Record<string, unknown>;

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
      const result = await (this.opts.pull ?? gitPull)(this.opts.confdir, {
        timeoutMs: this.opts.timeoutMs,
        inForce: this.inForce,
      });
      if (result.config) this.inForce = result.config;
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
      delete this.st.refused;
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
      if (e.kind === "refused") this.st.refused = e.detail;
      else delete this.st.refused;
      this.st.failingSinceMs ??= this.clock();
      if (e.message !== this.lastReported) {
        this.lastReported = e.message;
        if (this.listenerCount("error") > 0) this.emit("error", e);
      }
      return undefined;
    }
  }
}
