// plancton-bootstrap's checks of the host before anything is written: git, and Docker
// where the daemon will look for it (runtime's endpoint rules: DOCKER_HOST, the socket).
import { gitEnv, gitErrorLine, runGit, type GitFailure } from "../config/remote/git.js";
import { dockerConnection } from "../runtime/docker-endpoint.js";
import { createDockerEngine } from "../runtime/docker-engine.js";
import { EngineUnavailableError } from "../runtime/engine-errors.js";
import { BootstrapFailure, type BootstrapDeps } from "./bootstrap-deps.js";
import { CHECK_TIMEOUT_MS } from "./run-command.js";

export async function checkGit(d: BootstrapDeps): Promise<string> {
  try {
    return (await runGit(["--version"], { env: gitEnv(d.env), timeoutMs: CHECK_TIMEOUT_MS })).stdout.trim();
  } catch (err) {
    const e = err as GitFailure;
    throw new BootstrapFailure(
      `git is not ` +
        `available${e.code === "ENOENT" ? "" : ` (${gitErrorLine(e.stderr ?? "") ?? e.code})`}: ` +
        `install git: apt-get install -y git`,
    );
  }
}

/** Why Docker did not answer, in a few words. */
const UNAVAILABLE_WORDS: Record<string, string> = {
  ENOENT: "no socket",
  ECONNREFUSED: "connection refused",
  ETIMEDOUT: "no answer",
  ENOTSOCK: "not a socket",
};

/** Pings Docker where the daemon will reach it (dockerConnection: DOCKER_HOST, else the socket). */
export async function checkDocker(d: BootstrapDeps): Promise<string> {
  let endpoint: string;
  try {
    endpoint = dockerConnection(undefined, d.env).endpoint;
  } catch (err) {
    throw new BootstrapFailure((err as Error).message);
  }
  try {
    await createDockerEngine({ env: d.env, timeoutMs: CHECK_TIMEOUT_MS }).ping();
    return `answers on ${endpoint.replace(/^unix:\/\//, "")}`;
  } catch (err) {
    const code = err instanceof EngineUnavailableError ? err.code : undefined;
    if (code === "EACCES") {
      throw new BootstrapFailure(
        `cannot use Docker on ${endpoint}: permission denied: run as root, or add the user to the ` +
          `docker group (usermod -aG docker $USER, then log in again)`,
      );
    }
    const why = (code && UNAVAILABLE_WORDS[code]) ?? code ?? (err as Error).message;
    throw new BootstrapFailure(
      `Docker does not answer on ${endpoint} (${why}): start Docker: systemctl start docker`,
    );
  }
}
