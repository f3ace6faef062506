// plancton-bootstrap <user>/<repo>[:branch]: makes a host follow a site's configuration
// repository. Checks first (root, git, Docker, an existing configuration), each failing
// with one line that says the fix; clones into a temp dir next to the confdir and
// validates config.yaml there, so an invalid repository never touches the confdir; then
// moves it into place (keeping a backup with --force) and enables start at boot (the
// systemd unit, else an @reboot crontab line, never twice), checked before anything is written. Exit codes: 0
// ok, 1 a
// failed check or clone, 2 usage.
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rename, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import { Command, CommanderError } from "commander";
import { configFileIn, defaultPaths } from "../config/paths.js";
import { PACKAGE_ROOT } from "../daemon/process/version.js";
import { checkDocker, checkGit } from "./bootstrap-checks.js";
import { BootstrapFailure, UsageError, type BootstrapDeps, type BootstrapOptions } from "./bootstrap-deps.js";
import { backupName, inspectConfdir } from "./confdir-backup.js";
import { cloneRepo, parseRequest, validateTree, verifyClone } from "./config-repository.js";
import { shellQuote } from "./run-command.js";
import { checkBoot, enableAtBoot } from "./start-at-boot.js";

export type { BootstrapDeps } from "./bootstrap-deps.js";

const DEFAULT_GIT_BASE = "https://github.com";

export async function main(argv: string[], overrides: Partial<BootstrapDeps> = {}): Promise<number> {
  const deps: BootstrapDeps = {
    env: process.env,
    uid: process.getuid?.() ?? 0,
    systemdDir: "/run/systemd/system",
    systemctl: "systemctl",
    unitDir: "/etc/systemd/system",
    now: () => new Date(),
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    ...overrides,
  };
  let code = 0;
  const program = new Command("plancton-bootstrap")
    .description(
      "Make this host follow a configuration repository: clone it into the confdir, validate it, " +
        "enable start at boot.",
    )
    .argument("[repository]", "the configuration repository: user/repo or user/repo:branch")
    .option("--dryrun", "write the dry-run config (busybox pilots) instead of cloning a repository")
    .option("--force", "replace an existing configuration (the old confdir is kept as <confdir>.bak-<time>)")
    .option("--user", "run as an unprivileged user, with ~/.plancton/conf")
    .option("--confdir <dir>", "configuration directory (root: /etc/plancton, --user: ~/.plancton/conf)")
    .option(
      "--git-base <url>",
      `where repositories live (default: $PLANCTON_GIT_BASE or ${DEFAULT_GIT_BASE})`,
    )
    .option(
      "--crontab-file <file>",
      "add the @reboot line to this file instead of systemd or the user's crontab (tests)",
    )
    .option(
      "--allowed-signers <file>",
      "refuse the clone unless its head is signed by a key of FILE (git's SSH allowed signers format)",
    )
    .option("--no-boot", "do not enable start at boot")
    .exitOverride()
    .configureOutput({ writeOut: deps.stdout, writeErr: deps.stderr })
    .showHelpAfterError("(run plancton-bootstrap --help for usage)")
    .action(async (repository: string | undefined, opts: BootstrapOptions) => {
      code = await bootstrap(repository, opts, deps);
    });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === "commander.helpDisplayed" ||
        err.code === "commander.version" ||
        err.code === "commander.help"
        ? 0
        : 2;
    }
    deps.stderr(`plancton-bootstrap: ${(err as Error).message}\n`);
    return 1;
  }
  return code;
}

async function bootstrap(
  repository: string | undefined,
  o: BootstrapOptions,
  d: BootstrapDeps,
): Promise<number> {
  const say = (s: string) => d.stdout(`${s}\n`);
  try {
    const repo = parseRequest(repository, Boolean(o.dryrun));
    if (!o.user && d.uid !== 0)
      throw new BootstrapFailure(
        "only root can configure Plancton for the whole host: run as root (sudo plancton-bootstrap " +
          "...), or pass --user",
      );
    const defaultConfdir = defaultPaths({ user: o.user, uid: d.uid, home: d.env.HOME }).confdir;
    const confdir = path.resolve(o.confdir ?? defaultConfdir);
    if (!o.dryrun) say(`git: ${await checkGit(d)}`);
    if (o.allowedSigners !== undefined && o.dryrun)
      throw new UsageError("--allowed-signers checks a repository's head: give a repository, not --dryrun");
    const signers = o.allowedSigners === undefined ? undefined : path.resolve(o.allowedSigners);
    say(`Docker: ${await checkDocker(d)}`);
    const occupied = await inspectConfdir(confdir, Boolean(o.force), d);
    // Every prerequisite before anything is written: a failure here leaves the host as it was.
    if (o.boot) say(`start at boot: ${await checkBoot(o, d)}`);

    // Build the new confdir next to the old one (same filesystem: the final move is a rename).
    await mkdir(path.dirname(confdir), { recursive: true });
    const tmp = await mkdtemp(path.join(path.dirname(confdir), `.${path.basename(confdir)}.bootstrap-`));
    try {
      const tree = path.join(tmp, "conf");
      let displayName: string;
      if (repo) {
        const base = (o.gitBase ?? d.env.PLANCTON_GIT_BASE ?? DEFAULT_GIT_BASE).replace(/\/+$/, "");
        const url = `${base}/${repo.user}/${repo.repo}`;
        await cloneRepo(url, repo.branch, tree, d.env);
        displayName = `${repo.user}/${repo.repo}/config.yaml`;
        say(`cloned ${url}${repo.branch ? ` (branch ${repo.branch})` : ""}`);
        if (signers) say(await verifyClone(tree, signers, d.env));
      } else {
        await mkdir(tree);
        await copyFile(path.join(PACKAGE_ROOT, "conf-examples", "dryrun.yaml"), configFileIn(tree));
        displayName = "conf-examples/dryrun.yaml";
      }
      const warnings = await validateTree(
        tree,
        displayName,
        repo ? `${repo.user}/${repo.repo}` : "the dry-run config",
        signers !== undefined,
      );
      for (const w of warnings) d.stderr(`warning: ${w}\n`);
      say(`${displayName}: valid`);

      if (occupied) {
        const backup = await backupName(confdir, d.now());
        await rename(confdir, backup);
        say(`kept the previous ${confdir} as ${backup}`);
      } else if (existsSync(confdir)) {
        await rmdir(confdir); // empty (inspectConfdir checked)
      }
      await rename(tree, confdir);
      say(`${o.dryrun ? "wrote the dry-run config" : "configuration"} in ${confdir}`);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }

    const ctlArgs = [
      ...(o.user ? ["--user"] : []),
      ...(confdir !== defaultConfdir ? ["--confdir", confdir] : []),
    ];
    if (o.boot) say(`start at boot: ${await enableAtBoot(o, ctlArgs, confdir, d)}`);
    say(`Start Plancton now with: planctonctl ${[...ctlArgs.map(shellQuote), "start"].join(" ")}`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      d.stderr(`plancton-bootstrap: ${err.message}\n(run plancton-bootstrap --help for usage)\n`);
      return 2;
    }
    if (err instanceof BootstrapFailure) {
      d.stderr(`plancton-bootstrap: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
