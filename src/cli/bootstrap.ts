// plancton-bootstrap <user>/<repo>[:branch]: makes a host follow a site's configuration
// repository. Checks first (root, git, Docker, an existing configuration), each failing
// with one line that says the fix; clones into a temp dir next to the confdir and
// validates config.yaml there, so an invalid repository never touches the confdir; then
// moves it into place (keeping a backup with --force) and enables start at boot (the
// systemd unit, else an @reboot crontab line, never twice), checked before anything is written. Exit codes: 0 ok, 1 a
// failed check or clone, 2 usage.
import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { ConfigError } from "../config/errors.js";
import { parseYamlObject, validateConfigObject } from "../config/parse.js";
import { configFileIn, defaultPaths } from "../config/paths.js";
import { gitEnv } from "../config/remote/git-pull.js";

export const DEFAULT_GIT_BASE = "https://github.com";
const CLONE_TIMEOUT_MS = 120_000;
const CHECK_TIMEOUT_MS = 5_000;
const CRON_MARKER = "# plancton-bootstrap";

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

interface Options {
  dryrun?: boolean;
  force?: boolean;
  user?: boolean;
  confdir?: string;
  gitBase?: string;
  crontabFile?: string;
  boot: boolean;
}

/** A failed check or step: one line, exit code 1. */
class BootstrapFailure extends Error {}
/** Bad arguments: exit code 2. */
class UsageError extends Error {}

export async function main(argv: string[], overrides: Partial<BootstrapDeps> = {}): Promise<number> {
  const deps: BootstrapDeps = {
    env: process.env, uid: process.getuid?.() ?? 0, systemdDir: "/run/systemd/system", systemctl: "systemctl", unitDir: "/etc/systemd/system",
    now: () => new Date(), stdout: (s) => void process.stdout.write(s), stderr: (s) => void process.stderr.write(s),
    ...overrides,
  };
  let code = 0;
  const program = new Command("plancton-bootstrap")
    .description("Make this host follow a configuration repository: clone it into the confdir, validate it, enable start at boot.")
    .argument("[repository]", "the configuration repository: user/repo or user/repo:branch")
    .option("--dryrun", "write the dry-run config (busybox pilots) instead of cloning a repository")
    .option("--force", "replace an existing configuration (the old confdir is kept as <confdir>.bak-<time>)")
    .option("--user", "run as an unprivileged user, with ~/.plancton/conf")
    .option("--confdir <dir>", "configuration directory (root: /etc/plancton, --user: ~/.plancton/conf)")
    .option("--git-base <url>", `where repositories live (default: $PLANCTON_GIT_BASE or ${DEFAULT_GIT_BASE})`)
    .option("--crontab-file <file>", "add the @reboot line to this file instead of systemd or the user's crontab (tests)")
    .option("--no-boot", "do not enable start at boot")
    .exitOverride()
    .configureOutput({ writeOut: deps.stdout, writeErr: deps.stderr })
    .showHelpAfterError("(run plancton-bootstrap --help for usage)")
    .action(async (repository: string | undefined, opts: Options) => {
      code = await bootstrap(repository, opts, deps);
    });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help" ? 0 : 2;
    }
    deps.stderr(`plancton-bootstrap: ${(err as Error).message}\n`);
    return 1;
  }
  return code;
}

async function bootstrap(repository: string | undefined, o: Options, d: BootstrapDeps): Promise<number> {
  const say = (s: string) => d.stdout(`${s}\n`);
  try {
    const repo = parseRequest(repository, Boolean(o.dryrun));
    if (!o.user && d.uid !== 0) throw new BootstrapFailure("only root can configure Plancton for the whole host: run as root (sudo plancton-bootstrap ...), or pass --user");
    const defaultConfdir = defaultPaths({ user: o.user, uid: d.uid, home: d.env.HOME }).confdir;
    const confdir = path.resolve(o.confdir ?? defaultConfdir);
    if (!o.dryrun) say(`git: ${await checkGit(d)}`);
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
      } else {
        await mkdir(tree);
        await copyFile(path.join(packageRoot(), "conf-examples", "dryrun.yaml"), configFileIn(tree));
        displayName = "conf-examples/dryrun.yaml";
      }
      const warnings = await validateTree(tree, displayName, repo ? `${repo.user}/${repo.repo}` : "the dry-run config");
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

    const ctlArgs = [...(o.user ? ["--user"] : []), ...(confdir !== defaultConfdir ? ["--confdir", confdir] : [])];
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

export interface RepoRequest {
  user: string;
  repo: string;
  branch?: string;
}

/** "user/repo[:branch]" (undefined with --dryrun). */
export function parseRequest(spec: string | undefined, dryrun: boolean): RepoRequest | undefined {
  if (dryrun) {
    if (spec !== undefined) throw new UsageError("--dryrun writes the dry-run config: give no repository with it");
    return undefined;
  }
  if (spec === undefined) throw new UsageError("give the configuration repository as user/repo[:branch], or --dryrun");
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?::([A-Za-z0-9_./-]+))?$/.exec(spec);
  if (!m || m[1]?.startsWith("-") || m[1] === "." || m[1] === ".." || m[2] === "." || m[2] === ".." || m[3]?.startsWith("-")) {
    throw new UsageError(`"${spec}" is not user/repo[:branch], e.g. alice/plancton-conf or alice/plancton-conf:main`);
  }
  return { user: m[1] as string, repo: m[2] as string, branch: m[3] };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, input?: string): Promise<{ code: number | string | null; stdout: string; stderr: string; killed: boolean }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env, timeout: timeoutMs, encoding: "utf8", maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; killed?: boolean }) | null;
      resolve({ code: e ? e.code ?? 1 : 0, stdout, stderr, killed: Boolean(e?.killed) });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function checkGit(d: BootstrapDeps): Promise<string> {
  const r = await run("git", ["--version"], gitEnv(d.env), CHECK_TIMEOUT_MS);
  if (r.code !== 0) throw new BootstrapFailure(`git is not available${r.code === "ENOENT" ? "" : ` (${firstLine(r.stderr) ?? r.code})`}: install git: apt-get install -y git`);
  return r.stdout.trim();
}

/** GET /_ping on the Docker socket (DOCKER_HOST honoured), else `docker version`. */
async function checkDocker(d: BootstrapDeps): Promise<string> {
  const host = d.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
  let pingError = "";
  if (host.startsWith("unix://") || host.startsWith("tcp://")) {
    try {
      await dockerPing(host);
      return `answers on ${host.replace(/^unix:\/\//, "")}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EACCES") {
        throw new BootstrapFailure(`cannot use Docker on ${host}: permission denied: run as root, or add the user to the docker group (usermod -aG docker $USER, then log in again)`);
      }
      pingError = (err as Error).message;
    }
  }
  const r = await run("docker", ["version", "--format", "{{.Server.Version}}"], d.env, CHECK_TIMEOUT_MS);
  if (r.code === 0 && r.stdout.trim()) return `answers (version ${r.stdout.trim()})`;
  const why = pingError || firstLine(r.stderr) || (r.killed ? "no answer" : String(r.code));
  throw new BootstrapFailure(`Docker does not answer on ${host} (${why}): start Docker: systemctl start docker`);
}

function dockerPing(host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const target = host.startsWith("unix://") ? { socketPath: host.slice("unix://".length) } : (() => {
      const u = new URL(host.replace(/^tcp:/, "http:"));
      return { host: u.hostname, port: Number(u.port || 2375) };
    })();
    const req = http.get({ ...target, path: "/_ping", timeout: CHECK_TIMEOUT_MS }, (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else reject(new Error(`HTTP ${res.statusCode}`));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${CHECK_TIMEOUT_MS / 1000} s`)));
    req.on("error", (err: NodeJS.ErrnoException) => reject(Object.assign(new Error(err.code === "ENOENT" ? "no socket" : err.code ?? err.message), { code: err.code })));
  });
}

/** true when the confdir holds something that --force must move away first. */
async function inspectConfdir(confdir: string, force: boolean, d: BootstrapDeps): Promise<boolean> {
  let st;
  try {
    st = await stat(confdir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new BootstrapFailure(`cannot read ${confdir}: ${(err as Error).message}`);
  }
  if (!st.isDirectory()) throw new BootstrapFailure(`${confdir} is a file, not a directory: move it away, or pass another --confdir`);
  const entries = await readdir(confdir);
  if (entries.length === 0) return false;
  const backup = `${confdir}.bak-${timestamp(d.now())}`;
  if (!force) {
    if (entries.includes(".git")) throw new BootstrapFailure(`${confdir} already holds a configuration repository: pass --force to replace it (the old one is kept as ${backup})`);
    throw new BootstrapFailure(`${confdir} already holds files (${entries.slice(0, 3).join(", ")}${entries.length > 3 ? ", ..." : ""}): pass --force to replace them (they are kept as ${backup})`);
  }
  return true;
}

async function cloneRepo(url: string, branch: string | undefined, into: string, env: NodeJS.ProcessEnv): Promise<void> {
  const args = ["clone", "--quiet", ...(branch ? ["--branch", branch] : []), "--", url, into];
  const r = await run("git", args, gitEnv(env), CLONE_TIMEOUT_MS);
  if (r.code === 0) return;
  if (r.killed) throw new BootstrapFailure(`cloning ${url} timed out after ${CLONE_TIMEOUT_MS / 1000} s: check the network, then run plancton-bootstrap again`);
  const err = r.stderr;
  if (branch && /Remote branch .* not found|couldn't find remote ref/i.test(err)) {
    throw new BootstrapFailure(`${url} has no branch "${branch}": check the :branch part (or leave it out for the default branch)`);
  }
  if (/not found|does not exist|could not read Username|Authentication failed|terminal prompts disabled|HTTP 40[13]/i.test(err)) {
    throw new BootstrapFailure(`cannot clone ${url}: no such repository (or it is private): check <user>/<repo> and --git-base`);
  }
  if (/Could not resolve host|Connection refused|Failed to connect|unable to access|Connection timed out/i.test(err)) {
    throw new BootstrapFailure(`cannot reach ${url} (${firstLine(err)}): check the network, or --git-base`);
  }
  throw new BootstrapFailure(`cannot clone ${url}: ${firstLine(err) ?? `git exited with ${r.code}`}`);
}

/** Validates <tree>/config.yaml; returns warnings; a problem fails with file:line. */
async function validateTree(tree: string, displayName: string, what: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(configFileIn(tree), "utf8");
  } catch {
    throw new BootstrapFailure(`${what} has no config.yaml at its top: add one (see conf-examples/), push, and run plancton-bootstrap again; nothing was changed`);
  }
  try {
    const parsed = validateConfigObject(parseYamlObject(text, displayName), displayName, text);
    return parsed.warnings.map((w) => `${displayName}${w.line === undefined ? "" : `:${w.line}`}: ${w.key ? `${w.key}: ` : ""}${w.message}`);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new BootstrapFailure(`invalid configuration, nothing was changed; fix it, push, and run plancton-bootstrap again:\n${err.message}`);
  }
}

async function backupName(confdir: string, now: Date): Promise<string> {
  const base = `${confdir}.bak-${timestamp(now)}`;
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    if (!existsSync(name)) return name;
  }
}

function timestamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

// --- start at boot ---

/** What enableAtBoot will use, checked to answer before the confdir is touched. */
async function checkBoot(o: Options, d: BootstrapDeps): Promise<string> {
  if (!o.crontabFile && !o.user && existsSync(d.systemdDir)) {
    const r = await run(d.systemctl, ["--version"], d.env, CHECK_TIMEOUT_MS);
    if (r.code !== 0) throw new BootstrapFailure(`systemd runs but ${d.systemctl} does not answer (${r.code === "ENOENT" ? "not found" : firstLine(r.stderr) ?? r.code}): fix systemctl, or pass --no-boot; nothing was changed`);
    return "systemd answers";
  }
  if (o.crontabFile) await readCrontabFile(o.crontabFile);
  else await readUserCrontab(d);
  return `${o.crontabFile ?? "the crontab"} can be read`;
}

async function enableAtBoot(o: Options, ctlArgs: string[], confdir: string, d: BootstrapDeps): Promise<string> {
  if (!o.crontabFile && !o.user && existsSync(d.systemdDir)) return enableSystemd(ctlArgs, confdir, d);
  const line = bootLine(ctlArgs, confdir);
  const before = o.crontabFile ? await readCrontabFile(o.crontabFile) : await readUserCrontab(d);
  const after = withBootLine(before, line, confdir);
  if (after === before) return `already in ${o.crontabFile ?? "the crontab"}`;
  if (o.crontabFile) await writeFile(o.crontabFile, after);
  else await writeUserCrontab(after, d);
  return `added to ${o.crontabFile ?? "the crontab"}: ${line}`;
}

async function enableSystemd(ctlArgs: string[], confdir: string, d: BootstrapDeps): Promise<string> {
  const known = [d.unitDir, "/lib/systemd/system", "/usr/lib/systemd/system"].some((dir) => existsSync(path.join(dir, "plancton.service")));
  let reload = false;
  if (!known) {
    await mkdir(d.unitDir, { recursive: true });
    await copyFile(path.join(packageRoot(), "systemd", "plancton.service"), path.join(d.unitDir, "plancton.service"));
    reload = true;
  }
  if (ctlArgs.length > 0) {
    // A confdir other than /etc/plancton: a drop-in gives the unit the same flags.
    const dropIn = path.join(d.unitDir, "plancton.service.d");
    await mkdir(dropIn, { recursive: true });
    await writeFile(path.join(dropIn, "confdir.conf"), `# written by plancton-bootstrap for ${confdir}\n[Service]\nExecStart=\nExecStart=/usr/bin/env planctonctl ${ctlArgs.map(shellQuote).join(" ")} nodaemon\n`);
    reload = true;
  }
  for (const args of [...(reload ? [["daemon-reload"]] : []), ["enable", "plancton.service"]]) {
    const r = await run(d.systemctl, args, d.env, 30_000);
    if (r.code !== 0) throw new BootstrapFailure(`systemctl ${args.join(" ")} failed (${firstLine(r.stderr) ?? r.code}): the configuration is in place; run systemctl enable plancton.service`);
  }
  return "enabled plancton.service (systemd)";
}

/** `@reboot <planctonctl> [flags] start # plancton-bootstrap <confdir>`. */
export function bootLine(ctlArgs: string[], confdir: string, nodePath = process.execPath, ctlPath = path.join(packageRoot(), "bin", "planctonctl")): string {
  // cron's PATH is /usr/bin:/bin: name node itself when it lives elsewhere, or the
  // planctonctl script's `#!/usr/bin/env node` finds none at boot.
  const nodeDir = path.dirname(nodePath);
  const prefix = nodeDir === "/usr/bin" || nodeDir === "/bin" ? [] : [nodePath];
  return `@reboot ${[...prefix, ctlPath, ...ctlArgs, "start"].map(shellQuote).join(" ")} ${CRON_MARKER} ${confdir}`;
}

/**
 * The crontab with exactly one boot line for this confdir: ours is replaced (a moved
 * package), and an admin's own `@reboot ... planctonctl ... start` for it is kept as is.
 */
export function withBootLine(crontab: string, line: string, confdir: string): string {
  const lines = crontab.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  if (lines.includes(line)) return crontab;
  const ours = `${CRON_MARKER} ${confdir}`;
  const kept = lines.filter((l) => !l.trimEnd().endsWith(ours));
  // An admin's line counts when it names the same confdir (or neither names one).
  const sameConfdir = (l: string) => (line.includes("--confdir") ? l.includes(confdir) : !l.includes("--confdir"));
  const adminOwn = kept.some((l) => /^\s*@reboot\s.*planctonctl\b.*\sstart\b/.test(l) && !l.includes(CRON_MARKER) && sameConfdir(l));
  if (adminOwn && kept.length === lines.length) return crontab;
  if (!adminOwn) kept.push(line);
  return `${kept.join("\n")}\n`;
}

async function readCrontabFile(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw new BootstrapFailure(`cannot read ${file}: ${(err as Error).message}`);
  }
}

async function readUserCrontab(d: BootstrapDeps): Promise<string> {
  const r = await run("crontab", ["-l"], d.env, CHECK_TIMEOUT_MS);
  if (r.code === "ENOENT") throw new BootstrapFailure("crontab is not installed, so Plancton cannot start at boot: install cron: apt-get install -y cron (or pass --no-boot); nothing was changed");
  if (r.code !== 0) {
    if (/no crontab/i.test(r.stderr)) return "";
    throw new BootstrapFailure(`crontab -l failed (${firstLine(r.stderr) ?? r.code}): the configuration is in place; add "@reboot planctonctl start" to the crontab by hand`);
  }
  return r.stdout;
}

function writeUserCrontab(text: string, d: BootstrapDeps): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("crontab", ["-"], { env: d.env, stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", (err) => reject(new BootstrapFailure(`crontab failed (${err.message}): install cron: apt-get install -y cron (or pass --no-boot)`)));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new BootstrapFailure(`crontab - failed (${firstLine(stderr) ?? code}): add "@reboot planctonctl start" to the crontab by hand`))));
    child.stdin.end(text);
  });
}

// --- small helpers ---

function firstLine(s: string): string | undefined {
  const lines = s.split("\n").map((l) => l.trim()).filter(Boolean);
  return (lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0])?.replace(/^(fatal|error):\s*/, "");
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/** The installed package's root (holds package.json), from src/cli or dist/src/cli. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "plancton") return dir;
      } catch {
        // not ours; keep going up
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error("cannot find the plancton package root (package.json) above the bootstrap script");
    dir = up;
  }
}
