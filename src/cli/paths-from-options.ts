// Resolves the global flags (--confdir --rundir --logdir --pidfile --user --config)
// into absolute paths, with the original's defaults for root and for other users.
import path from "node:path";
import { configFileIn, defaultPaths, type PlanctonPaths } from "../config/paths.js";

export interface GlobalOptions {
  confdir?: string;
  rundir?: string;
  logdir?: string;
  pidfile?: string;
  user?: boolean;
  config?: string;
}

export interface ResolvedPaths extends PlanctonPaths {
  configFile: string;
  /** --config was given: a missing file is an error, not the defaults. */
  configExplicit: boolean;
}

export function resolvePaths(o: GlobalOptions): ResolvedPaths {
  const d = defaultPaths({ user: o.user });
  const abs = (p: string | undefined, dflt: string) => path.resolve(p ?? dflt);
  const rundir = abs(o.rundir, d.rundir);
  const confdir = abs(o.confdir, d.confdir);
  return {
    confdir,
    rundir,
    logdir: abs(o.logdir, d.logdir),
    pidfile: abs(o.pidfile, o.rundir && !o.user ? path.join(rundir, "plancton.pid") : d.pidfile),
    configFile: o.config ? path.resolve(o.config) : configFileIn(confdir),
    configExplicit: o.config !== undefined,
  };
}

/** The same flags, to pass to a child planctonctl. */
export function pathsToArgs(p: ResolvedPaths): string[] {
  return [
    "--confdir",
    p.confdir,
    "--rundir",
    p.rundir,
    "--logdir",
    p.logdir,
    "--pidfile",
    p.pidfile,
    ...(p.configExplicit ? ["--config", p.configFile] : []),
  ];
}
