// planctonctl: how an admin drives Plancton. Every error a user can cause is one line
// on stderr; exit codes: 0 ok, 1 failure, 2 usage or invalid config, 3 not running (status).
import { existsSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { ConfigError } from "../config/errors.js";
import { VERSION } from "../daemon/process/version.js";
import { resolvePaths, type GlobalOptions, type ResolvedPaths } from "./paths-from-options.js";
import * as ops from "./operations.js";
import { addFleetCommands } from "./fleet-commands.js";

export async function main(argv: string[]): Promise<number> {
  const program = new Command("planctonctl")
    .description("Plancton: keeps disposable pilot containers on the CPU this machine's owner is not using.")
    .version(VERSION)
    .option("--confdir <dir>", "configuration directory (root: /etc/plancton, user: ~/.plancton/conf)")
    .option("--config <file>", "configuration file (default: <confdir>/config.yaml)")
    .option("--rundir <dir>", "state directory (root: /var/run/plancton, user: ~/.plancton/run)")
    .option("--logdir <dir>", "log directory (root: /var/log/plancton, user: ~/.plancton/log)")
    .option("--pidfile <file>", "pidfile (root: /var/run/plancton.pid, user: ~/.plancton/run/plancton.pid)")
    .option("--user", "use the unprivileged user's directories under ~/.plancton")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError("(run planctonctl --help for usage)");

  let code = 0;
  const paths = (): ResolvedPaths => resolvePaths(program.opts<GlobalOptions>());
  const run =
    (fn: (p: ResolvedPaths, ...rest: never[]) => Promise<number>) =>
    async (...args: unknown[]) => {
      const p = paths();
      // A path the admin named must exist: running on the defaults instead would hide a typo.
      if (p.configExplicit && !existsSync(p.configFile))
        throw (await import("../config/load.js")).missingConfigError(p.configFile);
      code = await fn(p, ...(args as never[]));
    };

  program
    .command("start")
    .description("start the daemon in the background")
    .action(run((p) => ops.start(p)));
  program
    .command("stop")
    .description("stop the daemon (pilots keep running)")
    .action(run((p) => ops.stop(p)));
  program
    .command("status")
    .description("daemon state, host, pilots and what the policy would do next (exit 3: not running)")
    .option("--json", "one JSON object")
    .action(run((p, o: { json?: boolean }) => ops.status(p, Boolean(o.json))));
  program
    .command("nodaemon")
    .description("run the daemon in the foreground (what systemd runs)")
    .action(run((p) => ops.nodaemon(p)));
  program
    .command("drain")
    .description("start no new pilot; running ones finish")
    .action(run((p) => ops.drain(p)));
  program
    .command("drain-stop")
    .description("drain, and exit once no pilot is left")
    .action(run((p) => ops.drainStop(p)));
  program
    .command("resume")
    .description("end draining")
    .action(run((p) => ops.resume(p)));
  program
    .command("force-start")
    .description("resume, then start")
    .action(run((p) => ops.forceStart(p)));
  program
    .command("force-stop")
    .description("kill and remove every pilot, then stop the daemon")
    .action(run((p) => ops.forceStop(p)));
  program
    .command("explain")
    .description("every observation variable and the policy's decision with its reasons")
    .option("--json", "one JSON object")
    .action(run((p, o: { json?: boolean }) => ops.explain(p, Boolean(o.json))));
  program
    .command("logs")
    .description("a pilot's output")
    .argument("<pilot>", "name, or id prefix")
    .option("-f, --follow", "follow")
    .option("--tail <n>", "last N lines")
    .action(
      run((p, pilot: string, o: { follow?: boolean; tail?: string }) =>
        ops.logs(p, pilot, Boolean(o.follow), o.tail),
      ),
    );
  program
    .command("history")
    .description("finished pilots")
    .option("--since <duration>", "e.g. 1h, 1d", "1d")
    .option("--json", "JSON")
    .action(run((p, o: { since: string; json?: boolean }) => ops.history(p, o.since, Boolean(o.json))));
  program
    .command("report")
    .description("what the pilots harvested: core-hours, lost work, give-backs, by day, week or image")
    .option("--since <when>", "a duration before now (30d) or a date (2026-11-01)", "30d")
    .option("--until <when>", "the same; default now")
    .option("--by <period>", "day | week | image", "day")
    .option("--json", "JSON: per-pilot rows and per-period summaries")
    .option("--csv", "CSV: per-pilot rows, a blank line, per-period summaries")
    .option("--no-chart", "no one-line chart per row")
    .action(run((p, o: ops.ReportOptions) => ops.report(p, o)));
  const config = program.command("config").description("configuration tools");
  config
    .command("check")
    .description("validate a config file and print the effective configuration")
    .argument("[file]")
    .option("--json", "machine-readable output")
    .action(
      run((p, file: string | undefined, o: { json?: boolean }) => ops.configCheck(p, file, Boolean(o.json))),
    );
  addFleetCommands(program, run);

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === "commander.helpDisplayed" || err.code === "commander.version" ? 0 : 2;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`planctonctl: invalid configuration:\n${err.message}\n`);
      return 2;
    }
    process.stderr.write(`planctonctl: ${(err as Error).message}\n`);
    return 1;
  }
  return code;
}
