// Runs a host command for plancton-bootstrap (systemctl, crontab), bounded in time, and
// turns what it printed into the one line a message quotes.
import { execFile } from "node:child_process";

/** How long a check may take: systemctl --version, crontab -l. */
export const CHECK_TIMEOUT_MS = 5_000;

export interface CommandResult {
  /** 0, the exit code, or the spawn error's code ("ENOENT": not installed). */
  code: number | string | null;
  stdout: string;
  stderr: string;
  /** Killed at its timeout. */
  killed: boolean;
}

export function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { env, timeout: timeoutMs, encoding: "utf8", maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: number | string; killed?: boolean }) | null;
        resolve({ code: e ? (e.code ?? 1) : 0, stdout, stderr, killed: Boolean(e?.killed) });
      },
    );
  });
}

/** The line of a command's stderr worth quoting: its first "fatal:"/"error:" line, else its first line. */
export function firstLine(s: string): string | undefined {
  const lines = s
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0])?.replace(/^(fatal|error):\s*/, "");
}

/** Quotes a word for sh only when it needs it. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
