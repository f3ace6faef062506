// planctonctl fleet status|drain|resume|forget|grant|revoke: the site's hosts as etcd
// knows them. Endpoints, TLS and credentials come from the local config's `fleet` key
// (fleet-connect.ts); --etcd overrides the endpoints.
import os from "node:os";
import type { Command } from "commander";
import { parseDurationSeconds } from "../config/units.js";
import type { FleetAction } from "../fleet/fleet-types.js";
import { fail, say, withEtcd, type ConnOptions } from "./fleet-connect.js";
import { fleetGrant, fleetRevoke, type GrantOptions } from "./fleet-grant-command.js";
import { fleetStatus } from "./fleet-status.js";
import type { ResolvedPaths } from "./paths-from-options.js";

export { fleetStatus };

type Run = (
  fn: (p: ResolvedPaths, ...rest: never[]) => Promise<number>,
) => (...args: unknown[]) => Promise<void>;

/** Adds `fleet status|drain|resume|forget|grant|revoke` to planctonctl. */
export function addFleetCommands(program: Command, run: Run): void {
  const fleet = program
    .command("fleet")
    .description("the site's hosts registered in etcd (the `fleet` config key)");
  const etcdOpt = ["--etcd <url...>", "etcd endpoints (default: fleet.etcd of the local config)"] as const;
  fleet
    .command("status")
    .description("every host: up or gone, mode, pilots, owner CPU, version, last seen (read-only)")
    .option(...etcdOpt)
    .option("--json", "one JSON object")
    .action(run((p, o: ConnOptions & { json?: boolean }) => fleetStatus(p, o, Boolean(o.json))));
  fleet
    .command("drain")
    .description("start no new pilot on these hosts; running ones finish")
    .argument("[names...]")
    .option("--all", "every host")
    .option("--reason <text>", "why (shown in status; at most 256 characters)", "")
    .option(...etcdOpt)
    .action(
      run((p, names: string[], o: ConnOptions & { all?: boolean; reason: string }) =>
        fleetCommand(p, "drain", names, o),
      ),
    );
  fleet
    .command("resume")
    .description("end a fleet drain on these hosts")
    .argument("[names...]")
    .option("--all", "every host")
    .option(...etcdOpt)
    .action(
      run((p, names: string[], o: ConnOptions & { all?: boolean }) =>
        fleetCommand(p, "resume", names, { ...o, reason: "" }),
      ),
    );
  fleet
    .command("forget")
    .description("delete the records of hosts gone for longer than --gone-for, and gone unreadable ones")
    .option("--gone-for <duration>", "e.g. 24h, 30m", "24h")
    .option(...etcdOpt)
    .action(run((p, o: ConnOptions & { goneFor: string }) => fleetForget(p, o)));
  fleet
    .command("grant")
    .description("give each host its own etcd user and role (run with etcd's root user)")
    .argument("<names...>")
    .requiredOption("--out <dir>", "where to write NAME.password (mode 0600)")
    .option("--password-file <path>", "where the host will read it", "/etc/plancton/etcd-password")
    .option(...etcdOpt)
    .action(run((p, names: string[], o: GrantOptions) => fleetGrant(p, names, o)));
  fleet
    .command("revoke")
    .description("remove the hosts' etcd users and roles")
    .argument("<names...>")
    .option(...etcdOpt)
    .action(run((p, names: string[], o: ConnOptions) => fleetRevoke(p, names, o)));
}

export function fleetForget(p: ResolvedPaths, o: ConnOptions & { goneFor: string }): Promise<number> {
  const goneForS = parseDurationSeconds(o.goneFor);
  if (goneForS === undefined) {
    fail(`forget --gone-for: not a duration: ${JSON.stringify(o.goneFor)} (e.g. 24h, 30m)`);
    return Promise.resolve(2);
  }
  return withEtcd(p, o, async ({ client, prefix }) => {
    const { forgetGone } = await import("../fleet/fleet-forget.js");
    const r = await forgetGone(client, prefix, Date.now(), goneForS * 1000);
    await say(
      `forgot ${r.forgotten.length} host(s) gone for over ${o.goneFor}` +
        (r.kept.length ? `; kept ${r.kept.length} written again meanwhile` : ""),
    );
    return 0;
  });
}

export function fleetCommand(
  p: ResolvedPaths,
  action: FleetAction,
  names: string[],
  o: ConnOptions & { all?: boolean; reason: string },
): Promise<number> {
  if (Boolean(o.all) === names.length > 0) {
    fail(`${action}: name the hosts, or --all (not both)`);
    return Promise.resolve(2);
  }
  if (o.reason.length > 256) {
    fail(`${action}: --reason is at most 256 characters (${o.reason.length} given); nothing sent`);
    return Promise.resolve(2);
  }
  return withEtcd(p, o, async ({ client, prefix }) => {
    const [{ sendCommand }, { retryTransient }] = await Promise.all([
      import("../fleet/fleet-view.js"),
      import("../fleet/transient-retry.js"),
    ]);
    let who = os.hostname();
    try {
      who = `${os.userInfo().username}@${who}`;
    } catch {
      // no user name (container without passwd entry): the host alone
    }
    const target = o.all ? "all" : names;
    // The same value on every try (its time taken once): a repeated put changes nothing.
    const at = Date.now();
    const { unknown } = await retryTransient(() =>
      sendCommand(client, prefix, target, action, o.reason, who, at),
    );
    if (unknown.length > 0) {
      fail(
        `no host named ${unknown.join(", ")} in the fleet ` +
          "(planctonctl fleet status lists them); nothing sent",
      );
      return 1;
    }
    await say(
      `${action} sent to ${o.all ? "every host" : names.join(", ")}${o.reason ? ` (${o.reason})` : ""}`,
    );
    return 0;
  });
}
