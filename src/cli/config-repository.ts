// The site's configuration repository for plancton-bootstrap: the user/repo[:branch]
// argument, the clone, and the validation of its config.yaml before it goes anywhere.
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { ConfigError } from "../config/errors.js";
import { parseYamlObject, validateConfigObject } from "../config/parse.js";
import { configFileIn } from "../config/paths.js";
import { gitEnv, gitErrorLine, runGit, type GitFailure } from "../config/remote/git.js";
import { MAX_GIT_CONFIG_BYTES } from "../config/remote/git-head-check.js";
import { BootstrapFailure, UsageError } from "./bootstrap-deps.js";

const CLONE_TIMEOUT_MS = 120_000;
const VERIFY_TIMEOUT_MS = 30_000;
const CLONE_ACCESS_FAILURE = new RegExp(
  "not found|does not exist|could not read Username|Authentication failed|" +
    "terminal prompts disabled|HTTP 40[13]",
  "i",
);

export interface RepoRequest {
  user: string;
  repo: string;
  branch?: string;
}

/** "user/repo[:branch]" (undefined with --dryrun). */
export function parseRequest(spec: string | undefined, dryrun: boolean): RepoRequest | undefined {
  if (dryrun) {
    if (spec !== undefined)
      throw new UsageError("--dryrun writes the dry-run config: give no repository with it");
    return undefined;
  }
  if (spec === undefined)
    throw new UsageError("give the configuration repository as user/repo[:branch], or --dryrun");
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?::([A-Za-z0-9_./-]+))?$/.exec(spec);
  if (
    !m ||
    m[1]?.startsWith("-") ||
    m[1] === "." ||
    m[1] === ".." ||
    m[2] === "." ||
    m[2] === ".." ||
    m[3]?.startsWith("-")
  ) {
    throw new UsageError(
      `"${spec}" is not user/repo[:branch], e.g. alice/plancton-conf or alice/plancton-conf:main`,
    );
  }
  return { user: m[1] as string, repo: m[2] as string, branch: m[3] };
}

export async function cloneRepo(
  url: string,
  branch: string | undefined,
  into: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const args = ["clone", "--quiet", ...(branch ? ["--branch", branch] : []), "--", url, into];
  let failure: GitFailure;
  try {
    await runGit(args, { env: gitEnv(env), timeoutMs: CLONE_TIMEOUT_MS });
    return;
  } catch (err) {
    failure = err as GitFailure;
  }
  if (failure.killed)
    throw new BootstrapFailure(
      `cloning ${url} timed out after ${CLONE_TIMEOUT_MS / 1000} s: check the network, then run ` +
        `plancton-bootstrap again`,
    );
  const err = failure.stderr ?? "";
  if (branch && /Remote branch .* not found|couldn't find remote ref/i.test(err)) {
    throw new BootstrapFailure(
      `${url} has no branch "${branch}": check the :branch part (or leave it out for the default branch)`,
    );
  }
  if (CLONE_ACCESS_FAILURE.test(err)) {
    throw new BootstrapFailure(
      `cannot clone ${url}: no such repository (or it is private): check <user>/<repo> and --git-base`,
    );
  }
  if (
    /Could not resolve host|Connection refused|Failed to connect|unable to access|Connection timed out/i.test(
      err,
    )
  ) {
    throw new BootstrapFailure(
      `cannot reach ${url} (${gitErrorLine(err)}): check the network, or --git-base`,
    );
  }
  throw new BootstrapFailure(
    `cannot clone ${url}: ${gitErrorLine(err) ?? `git exited with ${failure.code}`}`,
  );
}

/** The clone's head, signed by a key of `signers` (git verify-commit), else a BootstrapFailure. */
export async function verifyClone(tree: string, signers: string, env: NodeJS.ProcessEnv): Promise<string> {
  const args = ["-C", tree, "-c", "gpg.format=ssh", "-c", `gpg.ssh.allowedSignersFile=${signers}`];
  try {
    const r = await runGit([...args, "verify-commit", "HEAD"], {
      env: gitEnv(env),
      timeoutMs: VERIFY_TIMEOUT_MS,
    });
    return `head signed by an allowed key (${gitErrorLine(r.stderr) ?? signers})`;
  } catch (err) {
    const stderr = (err as GitFailure).stderr ?? "";
    const why = /Unable to open allowed keys file/i.test(stderr)
      ? `the allowed signers file ${signers} cannot be read`
      : stderr.trim() === ""
        ? "the head is not signed"
        : `the head is not signed by a key of ${signers} (${gitErrorLine(stderr)})`;
    throw new BootstrapFailure(
      `${why}: refused, nothing was changed; sign the head (git commit -S with gpg.format=ssh), ` +
        `push, and run plancton-bootstrap again`,
    );
  }
}

/** <tree>/config.yaml as a regular file (never a symbolic link) of bounded size. */
async function readConfigFile(tree: string, what: string): Promise<string> {
  const again = "push, and run plancton-bootstrap again; nothing was changed";
  let file;
  try {
    file = await open(configFileIn(tree), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BootstrapFailure(
      code === "ELOOP"
        ? `${what} has a config.yaml that is a symbolic link: refused (it would read another file as ` +
            `root); commit config.yaml as a file, ${again}`
        : `${what} has no config.yaml at its top: add one (see conf-examples/), ${again}`,
    );
  }
  try {
    const st = await file.stat();
    if (!st.isFile())
      throw new BootstrapFailure(
        `${what} has a config.yaml that is not a file: commit it as a file, ${again}`,
      );
    if (st.size > MAX_GIT_CONFIG_BYTES)
      throw new BootstrapFailure(
        `${what} has a config.yaml of ${st.size} bytes, over ${MAX_GIT_CONFIG_BYTES}: a config is ` +
          `a few KiB; ${again}`,
      );
    const buf = Buffer.alloc(st.size);
    const { bytesRead } = await file.read(buf, 0, st.size, 0);
    return buf.subarray(0, bytesRead).toString("utf8");
  } finally {
    await file.close();
  }
}

/**
 * Validates <tree>/config.yaml; returns warnings; a problem fails with file:line.
 * `signed`: the head was verified, so say when later pulls will not be.
 */
export async function validateTree(
  tree: string,
  displayName: string,
  what: string,
  signed = false,
): Promise<string[]> {
  const text = await readConfigFile(tree, what);
  try {
    const parsed = validateConfigObject(parseYamlObject(text, displayName), displayName, text);
    const warnings = parsed.warnings.map(
      (w) =>
        `${displayName}${w.line === undefined ? "" : `:${w.line}`}: ${w.key ? `${w.key}: ` : ""}${w.message}`,
    );
    if (signed && !parsed.config.config_git?.allowed_signers)
      warnings.push(
        `${displayName}: config_git.allowed_signers is not set: this clone was verified, later ` +
          `pulls will not be`,
      );
    return warnings;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new BootstrapFailure(
      `invalid configuration, nothing was changed; fix it, push, and run plancton-bootstrap ` +
        `again:\n${err.message}`,
    );
  }
}
