// planctonctl fleet status|drain|resume: the site's hosts as etcd knows them. Endpoints,
// TLS and password come from the local config's `fleet` key; --etcd overrides the
// endpoints. etcd3 is loaded only here (and in a daemon with a `fleet` key).
import { existsSync } from "node:fs";
import os from "node:os";
import type { Command } from "commander";
import type { Config } from "../config/schema.js";
import type { FleetAction } from "../fleet/types.js";
import type { HostRow } from "../fleet/fleet-view.js";
import { duration, table } from "./format.js";
import type { ResolvedPaths } from "./paths-from-options.js";

interface ConnOptions {
  etcd?: string[];
}

// Resolves once the text is handed to the kernel: bin/planctonctl exits right after, and
// an exit with a pipe's pending writes cuts them (a 10,000-host JSON is megabytes).
const say = (s: string) => new Promise<void>((resolve) => process.stdout.write(`${s}\n`, () => resolve()));
const fail = (s: string) => process.stderr.write(`planctonctl: fleet: ${s}\n`);

type Run = (
  fn: (p: ResolvedPaths, ...rest: never[]) => Promise<number>,
) => (...args: unknown[]) => Promise<void>;

/** Adds `fleet status|drain|resume` to planctonctl. */
export function addFleetCommands(program: Command, run: Run): void {
  const fleet = program
    .command("fleet")
    .description("the site's hosts registered in etcd (the `fleet` config key)");
  const etcdOpt = ["--etcd <url...>", "etcd endpoints (default: fleet.etcd of the local config)"] as const;
  fleet
    .command("status")
    .description("every host: up or gone, mode, pilots, owner CPU, version, last seen")
    .option(...etcdOpt)
    .option("--json", "one JSON object")
    .action(run((p, o: ConnOptions & { json?: boolean }) => fleetStatus(p, o, Boolean(o.json))));
  fleet
    .command("drain")
    .description("start no new pilot on these hosts; running ones finish")
    .argument("[names...]")
    .option("--all", "every host")
    .option("--reason <text>", "why (shown in status)", "")
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
}

async function connect(p: ResolvedPaths, o: ConnOptions) {
  let fleet: Config["fleet"] = null;
  if (existsSync(p.configFile))
    fleet = (await (await import("../config/load.js")).loadConfigFile(p.configFile)).config.fleet;
  const etcd = o.etcd && o.etcd.length > 0 ? o.etcd : fleet?.etcd;
  if (!etcd)
    throw new Error(`no etcd endpoint: pass --etcd URL, or set fleet: {etcd: [URL]} in ${p.configFile}`);
  const conn = {
    etcd,
    username: null,
    password_file: null,
    ca_file: null,
    cert_file: null,
    key_file: null,
    ...(fleet ?? {}),
    ...(o.etcd?.length ? { etcd } : {}),
  };
  const { connectEtcd } = await import("../fleet/etcd-client.js");
  const client = await connectEtcd(conn, 10_000);
  return { client, prefix: fleet?.prefix ?? "/plancton/", endpoints: etcd.join(", ") };
}

/** Runs fn against etcd; an etcd that does not answer is one line, exit 1. */
async function withEtcd(
  p: ResolvedPaths,
  o: ConnOptions,
  fn: (c: Awaited<ReturnType<typeof connect>>) => Promise<number>,
): Promise<number> {
  const c = await connect(p, o);
  try {
    return await fn(c);
  } catch (err) {
    fail(`etcd at ${c.endpoints}: ${(err as Error).message}`);
    return 1;
  } finally {
    c.client.close();
  }
}

export function fleetStatus(p: ResolvedPaths, o: ConnOptions, json: boolean): Promise<number> {
  return withEtcd(p, o, async ({ client, prefix }) => {
    const { listFleet, summarize } = await import("../fleet/fleet-view.js");
    const { hosts } = await listFleet(client, prefix, Date.now());
    const summary = summarize(hosts);
    if (json) {
      await say(JSON.stringify({ hosts, summary }));
      return 0;
    }
    if (hosts.length > 0) await say(formatHosts(hosts));
    await say(
      `${summary.up} host(s) up, ${summary.gone} gone; ${summary.running} pilot(s) running, ${summary.paused} paused; ${summary.harvestedCores} idle core(s) harvested` +
        `, ${summary.coreHours24h} core-hour(s) in 24 h`,
    );
    return 0;
  });
}

function formatHosts(hosts: HostRow[]): string {
  const pct = (v: number | null | undefined) => (typeof v === "number" ? `${Math.round(v * 100)}%` : "?");
  return table([
    ["NAME", "STATE", "MODE", "PILOTS", "OWNER CPU", "VERSION", "SEEN", "COMMAND"],
    ...hosts.map((h) => [
      h.name,
      h.state,
      h.mode,
      `${h.running}/${h.max}${h.paused ? ` +${h.paused} paused` : ""}`,
      pct(h.ownerCpu),
      h.version,
      `${duration(h.seenAgoSeconds)} ago`,
      h.command?.action ?? "-",
    ]),
  ]);
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
  return withEtcd(p, o, async ({ client, prefix }) => {
    const { sendCommand } = await import("../fleet/fleet-view.js");
    let who = os.hostname();
    try {
      who = `${os.userInfo().username}@${who}`;
    } catch {
      // no user name (container without passwd entry): the host alone
    }
    const { unknown } = await sendCommand(
      client,
      prefix,
      o.all ? "all" : names,
      action,
      o.reason,
      who,
      Date.now(),
    );
    if (unknown.length > 0) {
      fail(
        `no host named ${unknown.join(", ")} in the fleet (planctonctl fleet status lists them); nothing sent`,
      );
      return 1;
    }
    await say(
      `${action} sent to ${o.all ? "every host" : names.join(", ")}${o.reason ? ` (${o.reason})` : ""}`,
    );
    return 0;
  });
}
