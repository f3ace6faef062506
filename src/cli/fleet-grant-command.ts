// planctonctl fleet grant|revoke: per-host etcd identities, run with etcd's root user (the
// local config's fleet username/password_file or client certificate). grant writes each
// host's random password to DIR/NAME.password (0600, written before etcd is changed: a
// failure leaves no user whose password nobody has) and prints the host's `fleet:` lines.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ResolvedPaths } from "./paths-from-options.js";
import { fail, say, withEtcd, type ConnOptions } from "./fleet-connect.js";

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function badNames(names: string[]): boolean {
  const bad = names.filter((n) => !NAME.test(n));
  if (bad.length === 0 && names.length > 0) return false;
  fail(
    names.length === 0
      ? "name the hosts"
      : `not a fleet name: ${bad.map((n) => JSON.stringify(n)).join(", ")} (letters, digits, _ . -)`,
  );
  return true;
}

export interface GrantOptions extends ConnOptions {
  out: string;
  passwordFile: string;
}

export function fleetGrant(p: ResolvedPaths, names: string[], o: GrantOptions): Promise<number> {
  if (badNames(names)) return Promise.resolve(2);
  return withEtcd(p, o, async ({ client, prefix, conn }) => {
    const { grantAdminRole, grantHosts, hostUser } = await import("../fleet/fleet-grant.js");
    await mkdir(o.out, { recursive: true, mode: 0o700 });
    const hosts = names.map((name) => ({ name, password: randomBytes(24).toString("base64url") }));
    for (const h of hosts) {
      const file = path.join(o.out, `${h.name}.password`);
      await rm(file, { force: true }); // a new file, so its mode is ours
      await writeFile(file, `${h.password}\n`, { mode: 0o600, flag: "wx" });
      await chmod(file, 0o600);
    }
    await grantAdminRole(client, prefix);
    await grantHosts(client, prefix, hosts);
    for (const { name } of hosts)
      await say(
        [
          `# ${name}: copy ${path.join(o.out, `${name}.password`)} ` +
            `to ${o.passwordFile} (mode 0600) on the host`,
          "fleet:",
          `  etcd: [${conn.etcd.join(", ")}]`,
          `  name: ${name}`,
          ...(prefix === "/plancton/" ? [] : [`  prefix: ${prefix}`]),
          `  username: ${hostUser(name)}`,
          `  password_file: ${o.passwordFile}`,
          ...(conn.ca_file ? [`  ca_file: ${conn.ca_file}`] : []),
        ].join("\n"),
      );
    return 0;
  });
}

export function fleetRevoke(p: ResolvedPaths, names: string[], o: ConnOptions): Promise<number> {
  if (badNames(names)) return Promise.resolve(2);
  return withEtcd(p, o, async ({ client }) => {
    const { revokeHosts } = await import("../fleet/fleet-grant.js");
    await revokeHosts(client, names);
    await say(`revoked: ${names.join(", ")} (their users and roles are gone from etcd)`);
    return 0;
  });
}
