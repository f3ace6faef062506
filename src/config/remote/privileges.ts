// Limits on what a remote (config_url) configuration may set. A pushed typo or a
// compromised server must not root a fleet: keys that grant privileges on the host are
// accepted from a remote only when the LOCAL config.yaml says allow_remote_privileges:
// true, and a remote can never set the keys that decide where remote config comes from
// and how far it is trusted. (A git checkout in the confdir is local config: the admin
// chose to trust that repository.)
import { ConfigError, type ConfigProblem } from "../errors.js";
import { findKeyPosition } from "../key-lines.js";

/** Keys only the local config.yaml may set: a remote setting any of them is rejected. */
export const LOCAL_ONLY_KEYS: readonly string[] = ["config_url", "config_url_every", "allow_insecure_http", "allow_remote_privileges", "config_git", "metrics_listen", "fleet"];

export interface PrivilegedKey {
  key: string;
  why: string;
}

/**
 * Keys of `raw` (keys as written, before defaults) set to a value that grants host
 * privileges. Conservative on odd types: anything but the harmless default counts.
 */
export function privilegedKeysIn(raw: Record<string, unknown>): PrivilegedKey[] {
  const found: PrivilegedKey[] = [];
  const has = (key: string) => Object.prototype.hasOwnProperty.call(raw, key) && raw[key] !== null && raw[key] !== undefined;

  if (has("docker_privileged") && raw.docker_privileged !== false) {
    found.push({ key: "docker_privileged", why: "runs pilots privileged: every device and capability" });
  }
  if (has("capabilities")) {
    const caps = raw.capabilities;
    const adds = Array.isArray(caps) ? caps.filter((c) => typeof c !== "string" || !c.trim().startsWith("-")) : [caps];
    if (adds.length > 0) found.push({ key: "capabilities", why: `adds ${adds.map((c) => (typeof c === "string" ? c.trim().replace(/^\+/, "") : JSON.stringify(c))).join(", ")}` });
  }
  for (const [key, what] of [["devices", "gives pilots host devices"], ["binds", "mounts host paths into pilots"], ["security_opts", "changes pilots' security profile"]] as const) {
    if (has(key) && !(Array.isArray(raw[key]) && (raw[key] as unknown[]).length === 0)) found.push({ key, why: what });
  }
  if (has("user_group") && isRootUserGroup(raw.user_group)) {
    found.push({ key: "user_group", why: `runs pilots as root (${JSON.stringify(raw.user_group)})` });
  }
  if (has("network_mode") && String(raw.network_mode).trim().toLowerCase() === "host") {
    found.push({ key: "network_mode", why: "shares the host's network stack" });
  }
  return found;
}

/** uid part is 0 (any number of zeros) or "root". */
function isRootUserGroup(v: unknown): boolean {
  if (typeof v === "number") return v === 0;
  if (typeof v !== "string") return true; // not a valid value: the schema rejects it anyway
  const uid = (v.split(":")[0] ?? "").trim();
  return /^0+$/.test(uid) || uid.toLowerCase() === "root";
}

/**
 * Every reason to reject a remote config as a whole, given the LOCAL raw config (the
 * only place allow_remote_privileges counts). Empty: the remote may be layered.
 */
export function remoteConfigProblems(remote: Record<string, unknown>, localRaw: Record<string, unknown>, remoteText?: string): ConfigProblem[] {
  const where = (key: string) => (remoteText === undefined ? {} : findKeyPosition(remoteText, [key]) ?? {});
  const problems: ConfigProblem[] = [];
  for (const key of LOCAL_ONLY_KEYS) {
    if (Object.prototype.hasOwnProperty.call(remote, key)) {
      problems.push({ key, ...where(key), message: "only the local config.yaml may set this key: remove it from the remote config" });
    }
  }
  if (localRaw.allow_remote_privileges !== true) {
    const privileged = privilegedKeysIn(remote);
    privileged.forEach(({ key, why }, i) => {
      // The fix is said once, after the last key (the message stays one readable line).
      const fix = i === privileged.length - 1 ? ": refused from a remote config; set allow_remote_privileges: true in the LOCAL config.yaml to accept" : "";
      problems.push({ key, ...where(key), message: `grants host privileges (${why})${fix}` });
    });
  }
  return problems;
}

/** Throws a ConfigError naming the source (the URL) when the remote must be rejected. */
export function assertRemoteAllowed(remote: Record<string, unknown>, localRaw: Record<string, unknown>, source: string, remoteText?: string): void {
  const problems = remoteConfigProblems(remote, localRaw, remoteText);
  if (problems.length > 0) throw new ConfigError(source, problems);
}
