// Per-host identities in etcd's auth (run with etcd's root user: only root manages users
// and roles). Each host gets a role plancton-host-NAME that reads its two command keys
// and writes its own status and alive keys, nothing else, and a user plancton-NAME with
// that role (with --client-cert-auth a certificate whose CN is plancton-NAME is that
// user). The admins' role plancton-admin reads the whole prefix and writes the command
// and hosts keys (drain, resume, forget). Hosts are granted BATCH at a time: etcd 3.4
// hashes each password (bcrypt) in its apply loop, on every member, one after the other, so
// more at once only wait longer. Every step may be done again (a call that timed out and
// was retried may have been applied): an existing role or user is completed, not an error.
import type { Etcd3, IPermissionRequest } from "etcd3";
import { Range } from "etcd3";
import { fleetKeys } from "./keys.js";

export const hostUser = (name: string) => `plancton-${name}`;
export const hostRole = (name: string) => `plancton-host-${name}`;
export const ADMIN_ROLE = "plancton-admin";
const BATCH = 16;

export function hostPermissions(prefix: string, name: string): IPermissionRequest[] {
  const k = fleetKeys(prefix);
  return [
    { permission: "Read", key: k.allCommand },
    { permission: "Read", key: k.command(name) },
    { permission: "Readwrite", key: k.status(name) },
    { permission: "Readwrite", key: k.alive(name) },
  ];
}

export function adminPermissions(prefix: string): IPermissionRequest[] {
  return [
    { permission: "Read", range: Range.prefix(prefix) },
    { permission: "Write", range: Range.prefix(`${prefix}command/`) },
    { permission: "Write", range: Range.prefix(`${prefix}hosts/`) },
  ];
}

const exists = (err: unknown) => err instanceof Error && /already exists/i.test(err.message);
const missing = (err: unknown) => err instanceof Error && /not found/i.test(err.message);
/** Resolves false when it already exists, rethrows anything else. */
const unlessExists = (err: unknown): false => {
  if (exists(err)) return false;
  throw err;
};

async function inBatches<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH) await Promise.all(items.slice(i, i + BATCH).map(fn));
}

/** The admins' role, created or completed (granting a permission again changes nothing). */
export async function grantAdminRole(client: Etcd3, prefix: string): Promise<void> {
  await client.role(ADMIN_ROLE).create().catch(unlessExists);
  await client.role(ADMIN_ROLE).grant(adminPermissions(prefix));
}

/** Creates (or completes) each host's role and user; an existing user gets the new password. */
export async function grantHosts(
  client: Etcd3,
  prefix: string,
  hosts: { name: string; password: string }[],
): Promise<void> {
  const [roles, users] = await Promise.all([client.getRoles(), client.getUsers()]);
  const haveRole = new Set(roles.map((r) => r.name));
  const haveUser = new Set(users.map((u) => u.name));
  await inBatches(hosts, async ({ name, password }) => {
    const role = client.role(hostRole(name));
    if (!haveRole.has(role.name)) await role.create().catch(unlessExists);
    await role.grant(hostPermissions(prefix, name));
    const user = client.user(hostUser(name));
    const created = haveUser.has(user.name)
      ? false
      : await user.create(password).then(() => true, unlessExists);
    if (!created) await user.setPassword(password);
    await user.addRole(role);
  });
}

/** Removes each host's user and role (one already gone is not an error). */
export async function revokeHosts(client: Etcd3, names: string[]): Promise<void> {
  const ignoreMissing = (err: unknown) => {
    if (!missing(err)) throw err;
  };
  await inBatches(names, async (name) => {
    await client.user(hostUser(name)).delete().catch(ignoreMissing);
    await client.role(hostRole(name)).delete().catch(ignoreMissing);
  });
}
