// Running git, for the config_git puller and plancton-bootstrap alike: no shell, never a
// prompt, messages in English (they are matched), and git's complaint as one line.
import { execFile } from "node:child_process";

/** The environment of every git run: never prompt, messages in English (they are matched). */
export function gitEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    GIT_TERMINAL_PROMPT: "0",
    GIT_SSH_COMMAND: base.GIT_SSH_COMMAND ?? "ssh -o BatchMode=yes",
    LC_ALL: "C",
    LANGUAGE: "C",
  };
}

export interface GitRun {
  stdout: string;
  stderr: string;
}

/**
 * How a git run fails: execFile's error (exit code, or ENOENT without git; killed on timeout) with git's
 * output.
 */
export type GitFailure = Error & {
  code?: number | string;
  killed?: boolean;
  signal?: string;
  stdout?: string;
  stderr?: string;
};

/** Runs git without a shell (env: gitEnv()); rejects with a GitFailure. */
export function runGit(
  args: string[],
  opts: { cwd?: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      {
        cwd: opts.cwd,
        env: opts.env ?? gitEnv(),
        timeout: opts.timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        encoding: "utf8",
      },
      (err, stdout, stderr) => {
        if (err) reject(Object.assign(err, { stdout, stderr }));
        else resolve({ stdout, stderr });
      },
    );
  });
}

/**
 * The line of git's stderr that says what went wrong: its first "fatal:"/"error:" line (prefix cut), else its
 * last line.
 */
export function gitErrorLine(stderr: string): string | undefined {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return (
    lines.find((l) => /^(fatal|error):/.test(l))?.replace(/^(fatal|error):\s*/, "") ?? lines[lines.length - 1]
  );
}
