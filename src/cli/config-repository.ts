// The site's configuration repository for plancton-bootstrap: the user/repo[:branch]
// argument, the clone, and the validation of its config.yaml before it goes anywhere.
import { readFile } from "node:fs/promises";
import { ConfigError } from "../config/errors.js";
import { parseYamlObject, validateConfigObject } from "../config/parse.js";
import { configFileIn } from "../config/paths.js";
import { gitEnv, gitErrorLine, runGit, type GitFailure } from "../config/remote/git.js";
import { BootstrapFailure, UsageError } from "./bootstrap-deps.js";

const CLONE_TIMEOUT_MS = 120_000;

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
      `cloning ${url} timed out after ${CLONE_TIMEOUT_MS / 1000} s: check the network, then run plancton-bootstrap again`,
    );
  const err = failure.stderr ?? "";
  if (branch && /Remote branch .* not found|couldn't find remote ref/i.test(err)) {
    throw new BootstrapFailure(
      `${url} has no branch "${branch}": check the :branch part (or leave it out for the default branch)`,
    );
  }
  if (
    /not found|does not exist|could not read Username|Authentication failed|terminal prompts disabled|HTTP 40[13]/i.test(
      err,
    )
  ) {
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

/** Validates <tree>/config.yaml; returns warnings; a problem fails with file:line. */
export async function validateTree(tree: string, displayName: string, what: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(configFileIn(tree), "utf8");
  } catch {
    throw new BootstrapFailure(
      `${what} has no config.yaml at its top: add one (see conf-examples/), push, and run plancton-bootstrap again; nothing was changed`,
    );
  }
  try {
    const parsed = validateConfigObject(parseYamlObject(text, displayName), displayName, text);
    return parsed.warnings.map(
      (w) =>
        `${displayName}${w.line === undefined ? "" : `:${w.line}`}: ${w.key ? `${w.key}: ` : ""}${w.message}`,
    );
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new BootstrapFailure(
      `invalid configuration, nothing was changed; fix it, push, and run plancton-bootstrap again:\n${err.message}`,
    );
  }
}
