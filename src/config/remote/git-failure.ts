// How a config_git pull fails: one line naming the confdir, what went wrong and what to
// do; git's stderr mapped to those lines.
import { gitErrorLine, type GitFailure } from "./git.js";

const PULL_ACCESS_FAILURE = new RegExp(
  "unable to access|Could not resolve|could not read|Connection refused|timed out|not found|" +
    "repository .* does not exist|Authentication failed",
  "i",
);

export type GitPullErrorKind =
  | "git-missing"
  | "not-a-repo"
  | "dirty"
  | "diverged"
  | "overwrite"
  | "no-upstream"
  | "timeout"
  | "network"
  | "refused"
  | "failed";

export class GitPullError extends Error {
  constructor(
    readonly confdir: string,
    readonly kind: GitPullErrorKind,
    readonly detail: string,
  ) {
    super(`git pull in ${confdir}: ${detail}`);
    this.name = "GitPullError";
  }
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
      `the local branch and its remote have diverged (not a fast-forward): the tree is left alone; ` +
        `if the remote is right: git -C ${confdir} reset --hard @{u}`,
    );
  }
  if (/would be overwritten|untracked working tree files/i.test(stderr)) {
    return new GitPullError(
      confdir,
      "overwrite",
      `the update would overwrite local files (${filesIn(stderr)}): the tree is left alone; move ` +
        `them away, then pull again`,
    );
  }
  if (/CONFLICT|conflict/.test(stderr))
    return new GitPullError(
      confdir,
      "diverged",
      `a conflict with local commits: the tree is left alone; resolve it by hand in ${confdir}`,
    );
  if (/no tracking information|no upstream configured/i.test(stderr)) {
    return new GitPullError(
      confdir,
      "no-upstream",
      `the branch has no upstream: git -C ${confdir} branch --set-upstream-to=origin/<branch>`,
    );
  }
  const line = gitErrorLine(stderr) ?? err.message.split("\n")[0] ?? "git failed";
  if (PULL_ACCESS_FAILURE.test(stderr)) {
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
