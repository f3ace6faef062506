// Whether a fetched head of a config_git checkout may be applied, decided against the
// config in force (the checkout's HEAD), never against the head itself (it could name
// its own signers). With config_git.allowed_signers in force: the head must carry an
// SSH signature by one of those keys (git verify-commit). Without: the head may change
// anything but what grants privileges, as config_url may (the repository's first clone,
// by an admin, is trusted like a local file; a later unattended push is not). Either
// way config.yaml must be a regular file of bounded size (no symlink to /etc/shadow).
import path from "node:path";
import { ConfigError } from "../errors.js";
import { parseYamlObject } from "../parse.js";
import { GitPullError } from "./git-failure.js";
import { grantsOf } from "./git-trust-warning.js";

/** Largest config.yaml read from a commit (a Plancton config is a few KiB). */
export const MAX_GIT_CONFIG_BYTES = 1024 * 1024;

/** Runs git in the checkout: stdout, or a GitPullError; `ok` answers exit status 1 with false. */
export interface HeadGit {
  (args: string[]): Promise<string>;
  ok(args: string[]): Promise<boolean>;
  /** Runs and returns exit status and stderr, whatever they are. */
  status(args: string[]): Promise<{ code: number; stderr: string }>;
}

/** config.yaml as committed in `commit`: parsed keys, or a one-line reason it cannot be read. */
export async function configAt(
  git: HeadGit,
  commit: string,
): Promise<{ raw: Record<string, unknown> } | { why: string }> {
  const entry = await git(["ls-tree", "-l", commit, "--", "config.yaml"]);
  const m = /^(\d+) (\w+) [0-9a-f]+ +(\S+)\t/.exec(entry);
  if (!m) return { why: "has no config.yaml at its top" };
  if (m[1] === "120000") return { why: "has a config.yaml that is a symbolic link, not a file" };
  if (m[2] !== "blob") return { why: "has a config.yaml that is not a file" };
  if (Number(m[3]) > MAX_GIT_CONFIG_BYTES)
    return { why: `has a config.yaml of ${m[3]} bytes, over ${MAX_GIT_CONFIG_BYTES}` };
  const text = await git(["cat-file", "blob", `${commit}:config.yaml`]);
  try {
    return { raw: parseYamlObject(text, "config.yaml") };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { why: `has a config.yaml that does not parse (${err.problems[0]?.message ?? "invalid"})` };
  }
}

/** The allowed signers file the config names, absolute (relative paths are the confdir's). */
export function allowedSignersOf(raw: Record<string, unknown>, confdir: string): string | undefined {
  const git = raw.config_git as { allowed_signers?: unknown } | null | undefined;
  const file = git && typeof git === "object" ? git.allowed_signers : undefined;
  return typeof file === "string" && file !== "" ? path.resolve(confdir, file) : undefined;
}

/** Why verify-commit refused, in words; git prints nothing at all for an unsigned commit. */
function signatureWhy(stderr: string, signers: string): string {
  if (/Unable to open allowed keys file|No such file/i.test(stderr))
    return `the allowed signers file ${signers} cannot be read`;
  if (/No principal matched|Could not verify|allowed signers/i.test(stderr))
    return "not signed by an allowed key";
  if (/ssh-keygen.*(not found|No such)|cannot run ssh-keygen/i.test(stderr))
    return "ssh-keygen is missing: apt-get install -y openssh-client";
  if (stderr.trim() === "") return "not signed by an allowed key (no signature)";
  return `not signed by an allowed key (${stderr.trim().split("\n").pop()?.slice(0, 200)})`;
}

export interface HeadCheck {
  /** The config in force, as committed at HEAD (or the caller's last readable copy). */
  inForce?: Record<string, unknown>;
}

/**
 * Throws a GitPullError ("refused") when `head` may not be applied over `current` (the
 * commit in force): `head abc1234 refused: why; in force def5678` (status shows it as
 * is; the log says the last good configuration stays). Returns the head's
 * config keys otherwise.
 */
export async function checkHead(
  git: HeadGit,
  confdir: string,
  current: string,
  head: string,
  opts: HeadCheck = {},
): Promise<Record<string, unknown>> {
  const refuse = (why: string) =>
    new GitPullError(
      confdir,
      "refused",
      `head ${head.slice(0, 7)} refused: ${why}; in force ${current.slice(0, 7)}`,
    );
  const now = await configAt(git, current);
  const inForce = "raw" in now ? now.raw : opts.inForce;
  if (!inForce)
    throw refuse(
      `the commit in force ${"why" in now ? now.why : "cannot be read"}, so which keys may sign is ` +
        `unknown; ` +
        `fix it by hand: git -C ${confdir} merge --ff-only ${head.slice(0, 7)}`,
    );
  const signers = allowedSignersOf(inForce, confdir);
  if (signers) {
    const r = await git.status([
      "-c",
      "gpg.format=ssh",
      "-c",
      `gpg.ssh.allowedSignersFile=${signers}`,
      "verify-commit",
      head,
    ]);
    if (r.code !== 0) throw refuse(signatureWhy(r.stderr, signers));
  }
  const next = await configAt(git, head);
  if ("why" in next) throw refuse(next.why);
  if (!signers) {
    // Naming signers is a grant too: else one unsigned push names its own key, the next adds binds.
    const before: Record<string, unknown> = { ...grantsOf(inForce), "config_git.allowed_signers": undefined };
    const after: Record<string, unknown> = {
      ...grantsOf(next.raw),
      "config_git.allowed_signers": allowedSignersOf(next.raw, confdir),
    };
    const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
      (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
    );
    if (changed.length > 0)
      throw refuse(
        `it changes keys that grant host privileges (${changed.join(", ")}) and config_git has no ` +
          "allowed_signers: sign the commits and set config_git.allowed_signers, or apply it by hand " +
          `on this host: git -C ${confdir} merge --ff-only ${head.slice(0, 7)}`,
      );
  }
  return next.raw;
}
