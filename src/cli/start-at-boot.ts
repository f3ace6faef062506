// Start at boot for plancton-bootstrap: the systemd unit when systemd runs (a drop-in for
// another confdir), else one @reboot line in the crontab, never twice; checked before
// anything is written, so a failure leaves the host as it was.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { PACKAGE_ROOT } from "../daemon/process/version.js";
import { BootstrapFailure, type BootstrapDeps, type BootstrapOptions } from "./bootstrap-deps.js";
import { CHECK_TIMEOUT_MS, firstLine, run, shellQuote } from "./run-command.js";

const CRON_MARKER = "# plancton-bootstrap";

/** What enableAtBoot will use, checked to answer before the confdir is touched. */
export async function checkBoot(o: BootstrapOptions, d: BootstrapDeps): Promise<string> {
  if (!o.crontabFile && !o.user && existsSync(d.systemdDir)) {
    const r = await run(d.systemctl, ["--version"], d.env, CHECK_TIMEOUT_MS);
    if (r.code !== 0)
      throw new BootstrapFailure(
        `systemd runs but ${d.systemctl} does not answer ` +
          `(${r.code === "ENOENT" ? "not found" : (firstLine(r.stderr) ?? r.code)}): fix systemctl, ` +
          `or pass --no-boot; nothing was changed`,
      );
    return "systemd answers";
  }
  if (o.crontabFile) await readCrontabFile(o.crontabFile);
  else await readUserCrontab(d);
  return `${o.crontabFile ?? "the crontab"} can be read`;
}

export async function enableAtBoot(
  o: BootstrapOptions,
  ctlArgs: string[],
  confdir: string,
  d: BootstrapDeps,
): Promise<string> {
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
  const known = [d.unitDir, "/lib/systemd/system", "/usr/lib/systemd/system"].some((dir) =>
    existsSync(path.join(dir, "plancton.service")),
  );
  let reload = false;
  if (!known) {
    await mkdir(d.unitDir, { recursive: true });
    await copyFile(
      path.join(PACKAGE_ROOT, "systemd", "plancton.service"),
      path.join(d.unitDir, "plancton.service"),
    );
    reload = true;
  }
  if (ctlArgs.length > 0) {
    // A confdir other than /etc/plancton: a drop-in gives the unit the same flags.
    const dropIn = path.join(d.unitDir, "plancton.service.d");
    await mkdir(dropIn, { recursive: true });
    await writeFile(
      path.join(dropIn, "confdir.conf"),
      `# written by plancton-bootstrap ` +
        `for ${confdir}\n[Service]\nExecStart=\nExecStart=/usr/bin/env ` +
        `planctonctl ${ctlArgs.map(shellQuote).join(" ")} nodaemon\n`,
    );
    reload = true;
  }
  for (const args of [...(reload ? [["daemon-reload"]] : []), ["enable", "plancton.service"]]) {
    const r = await run(d.systemctl, args, d.env, 30_000);
    if (r.code !== 0)
      throw new BootstrapFailure(
        `systemctl ${args.join(" ")} failed (${firstLine(r.stderr) ?? r.code}): the configuration ` +
          `is in place; run systemctl enable plancton.service`,
      );
  }
  return "enabled plancton.service (systemd)";
}

/** `@reboot <planctonctl> [flags] start # plancton-bootstrap <confdir>`. */
export function bootLine(
  ctlArgs: string[],
  confdir: string,
  nodePath = process.execPath,
  ctlPath = path.join(PACKAGE_ROOT, "bin", "planctonctl"),
): string {
  // cron's PATH is /usr/bin:/bin: name node itself when it lives elsewhere, or the
  // planctonctl script's `#!/usr/bin/env node` finds none at boot.
  const nodeDir = path.dirname(nodePath);
  const prefix = nodeDir === "/usr/bin" || nodeDir === "/bin" ? [] : [nodePath];
  return (
    `@reboot ${[...prefix, ctlPath, ...ctlArgs, "start"].map(shellQuote).join(" ")} ` +
    `${CRON_MARKER} ${confdir}`
  );
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
  const sameConfdir = (l: string) =>
    line.includes("--confdir") ? l.includes(confdir) : !l.includes("--confdir");
  const adminOwn = kept.some(
    (l) => /^\s*@reboot\s.*planctonctl\b.*\sstart\b/.test(l) && !l.includes(CRON_MARKER) && sameConfdir(l),
  );
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
  if (r.code === "ENOENT")
    throw new BootstrapFailure(
      "crontab is not installed, so Plancton cannot start at boot: install cron: apt-get install " +
        "-y cron (or pass --no-boot); nothing was changed",
    );
  if (r.code !== 0) {
    if (/no crontab/i.test(r.stderr)) return "";
    throw new BootstrapFailure(
      `crontab -l failed (${firstLine(r.stderr) ?? r.code}): the configuration is in place; add ` +
        `"@reboot planctonctl start" to the crontab by hand`,
    );
  }
  return r.stdout;
}

function writeUserCrontab(text: string, d: BootstrapDeps): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("crontab", ["-"], { env: d.env, stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", (err) =>
      reject(
        new BootstrapFailure(
          `crontab failed (${err.message}): install cron: apt-get install -y cron (or pass --no-boot)`,
        ),
      ),
    );
    child.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(
            new BootstrapFailure(
              `crontab - failed (${firstLine(stderr) ?? code}): add "@reboot planctonctl start" to ` +
                `the crontab by hand`,
            ),
          ),
    );
    child.stdin.end(text);
  });
}
