// Where Plancton keeps its files: the original's defaults for root and for other users.
import os from "node:os";
import path from "node:path";

export interface PlanctonPaths {
  confdir: string;
  rundir: string;
  logdir: string;
  pidfile: string;
}

export function defaultPaths(opts: { user?: boolean; uid?: number; home?: string } = {}): PlanctonPaths {
  const uid = opts.uid ?? process.getuid?.() ?? 0;
  if (uid === 0 && !opts.user) {
    return {
      confdir: "/etc/plancton",
      rundir: "/var/run/plancton",
      logdir: "/var/log/plancton",
      pidfile: "/var/run/plancton.pid",
    };
  }
  const base = path.join(opts.home ?? os.homedir(), ".plancton");
  return {
    confdir: path.join(base, "conf"),
    rundir: path.join(base, "run"),
    logdir: path.join(base, "log"),
    pidfile: path.join(base, "run", "plancton.pid"),
  };
}

export function configFileIn(confdir: string): string {
  return path.join(confdir, "config.yaml");
}
