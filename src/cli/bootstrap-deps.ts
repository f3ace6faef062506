// What plancton-bootstrap takes from the host (tests replace parts of it), its options,
// and how it fails: a failed check or step (exit 1) or bad arguments (exit 2).

/** What the host offers; tests replace parts of it. */
export interface BootstrapDeps {
  env: NodeJS.ProcessEnv;
  uid: number;
  /** Exists when systemd is the init system. */
  systemdDir: string;
  systemctl: string;
  /** Where the unit is installed when systemd does not know it yet. */
  unitDir: string;
  now: () => Date;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export interface BootstrapOptions {
  dryrun?: boolean;
  force?: boolean;
  user?: boolean;
  confdir?: string;
  gitBase?: string;
  crontabFile?: string;
  allowedSigners?: string;
  boot: boolean;
}

/** A failed check or step: one line, exit code 1. */
export class BootstrapFailure extends Error {}
/** Bad arguments: exit code 2. */
export class UsageError extends Error {}
