// What a config grants beyond an ordinary pilot, and the warning when such a config comes
// from a git repository whose commits are not verified (config_git without
// allowed_signers): `config check` and `planctonctl status` show it with the config's
// other warnings.
import type { ConfigProblem } from "../errors.js";
import { privilegedKeysIn } from "./privileges.js";

/** Keys that widen what pilots or remotes may do: privileged keys as set, and the allow_* switches. */
export function grantsOf(raw: Record<string, unknown>): Record<string, unknown> {
  const grants: Record<string, unknown> = {};
  for (const { key } of privilegedKeysIn(raw)) grants[key] = raw[key];
  for (const key of ["allow_remote_privileges", "allow_engine_socket", "allow_insecure_http"])
    if (raw[key] === true) grants[key] = true;
  // With remote privileges allowed, where the remote comes from decides what it may grant.
  if (raw.allow_remote_privileges === true) grants.config_url = raw.config_url ?? null;
  return grants;
}

/** One warning when config_git is on without allowed_signers and the config grants privileges. */
export function gitTrustWarnings(raw: Record<string, unknown>): ConfigProblem[] {
  const git = raw.config_git as { allowed_signers?: unknown } | null | undefined;
  if (!git || typeof git !== "object") return [];
  if (typeof git.allowed_signers === "string" && git.allowed_signers !== "") return [];
  const why = privilegedKeysIn(raw).map((p) => `${p.key}: ${p.why}`);
  for (const key of ["allow_remote_privileges", "allow_engine_socket"])
    if (raw[key] === true) why.push(`${key}: true`);
  if (why.length === 0) return [];
  return [
    {
      key: "config_git",
      path: ["config_git"],
      message:
        `this git-pulled config grants host privileges (${why.join("; ")}) and its commits are not ` +
        "verified: a pull that changes them is refused; sign the commits and set " +
        'config_git.allowed_signers (see the README, "Signed configuration")',
    },
  ];
}
