// The BUILT daemon (`planctonctl nodaemon`) as its own process, its stderr piped (as
// journald or a shell pipe sees it), with its own dirs; stopped by SIGTERM, bounded.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { BIN } from "./cli.js";
import { waitFor } from "./wait.js";

export interface DaemonProcess {
  child: ChildProcess;
  /** Dirs and flags it was started with. */
  flags: string[];
  logdir: string;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after timeoutMs); resolves to the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

export async function spawnDaemon(dir: string, configFile: string): Promise<DaemonProcess> {
  const logdir = path.join(dir, "log");
  const rundir = path.join(dir, "run");
  await mkdir(rundir, { recursive: true });
  const flags = [
    "--config",
    configFile,
    "--rundir",
    rundir,
    "--logdir",
    logdir,
    "--pidfile",
    path.join(rundir, "plancton.pid"),
  ];
  const child = spawn(process.execPath, [BIN, ...flags, "nodaemon"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PLANCTON_DETACHED: "" },
  });
  let err = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (err += d));
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    flags,
    logdir,
    stderr: () => err,
    async stop(timeoutMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const kill = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(kill);
      }
    },
  };
}

/** Waits until the daemon's stderr has a line matching `re`; returns that line. */
export function waitForLine(d: DaemonProcess, re: RegExp, what: string, timeoutMs = 60_000): Promise<string> {
  return waitFor(
    what,
    () => {
      if (d.child.exitCode !== null)
        throw new Error(`the daemon exited (${d.child.exitCode}): ${d.stderr()}`);
      return (
        d
          .stderr()
          .split("\n")
          .find((l) => re.test(l)) ?? false
      );
    },
    timeoutMs,
    100,
  );
}
