// Limits on what a remote (config_url) configuration may set. A pushed typo or a
// compromised server must not root a fleet, hijack another daemon's pilots or send the
// host's data elsewhere. REMOTE_KEY_RULES is the one table of those limits (the README's
// "Remote configuration limits" is generated from it):
// - local-only keys: a remote setting any of them is rejected as a whole, whatever the
//   local file allows: where remote config comes from and how far it is trusted, which
//   pilots are this daemon's (instance, container_prefix), and every host or path the
//   daemon itself connects to or reads (metrics targets, disk_paths);
// - privileged keys: accepted from a remote only when the LOCAL config.yaml says
//   allow_remote_privileges: true, and then only with values the schema accepts.
// Every other key may come from a remote. (A git checkout in the confdir is the local file;
// what an unattended pull may change is decided in git-head-check.ts.)
import { clipText, ConfigError, preview, type ConfigProblem } from "../errors.js";
import { indexKeyLines } from "../key-lines.js";
import { remoteShapeProblem } from "./remote-shape.js";

export interface RemoteKeyRule {
  key: string;
  rule: "local-only" | "privileged";
  /** For the README: what a local-only key decides, or a privileged key's privileged values. */
  doc: string;
  /** For the README: the values of a privileged key a remote may always set. */
  safe?: string;
  /** privileged keys: why this value grants privileges; undefined when it does not. */
  grants?: (value: unknown) => string | undefined;
}

const nonEmptyList = (what: string) => (v: unknown) =>
  Array.isArray(v) && v.length === 0 ? undefined : what;

/** Network modes a remote may always choose: no access to the host's or another container's stack. */
export const REMOTE_NETWORK_MODES: readonly string[] = ["bridge", "none", "default"];

export const REMOTE_KEY_RULES: readonly RemoteKeyRule[] = [
  { key: "config_url", rule: "local-only", doc: "where remote config comes from" },
  { key: "config_url_every", rule: "local-only", doc: "how often it is fetched" },
  { key: "allow_insecure_http", rule: "local-only", doc: "whether plain http is trusted" },
  { key: "allow_remote_privileges", rule: "local-only", doc: "whether a remote may grant privileges" },
  {
    key: "allow_engine_socket",
    rule: "local-only",
    doc: "whether binds may reach the container engine's socket or /",
  },
  { key: "config_git", rule: "local-only", doc: "whether the confdir is pulled from git" },
  {
    key: "instance",
    rule: "local-only",
    doc: "which pilots are this daemon's (another value would adopt, and kill, another instance's pilots)",
  },
  {
    key: "container_prefix",
    rule: "local-only",
    doc: "the pilots' names, and the instance when `instance` is unset",
  },
  { key: "influxdb_url", rule: "local-only", doc: "where the daemon sends this host's metrics" },
  {
    key: "influxdb",
    rule: "local-only",
    doc: "where the daemon sends this host's metrics, with which token",
  },
  { key: "metrics_listen", rule: "local-only", doc: "where the daemon listens for Prometheus scrapes" },
  {
    key: "fleet",
    rule: "local-only",
    doc: "which etcd cluster this host registers in, and with which credentials",
  },
  {
    key: "disk_paths",
    rule: "local-only",
    doc: "which paths the daemon itself reads (a hung mount would stall the sampler)",
  },
  {
    key: "docker_privileged",
    rule: "privileged",
    safe: "`false`",
    doc: "any other value",
    grants: (v) => (v === false ? undefined : "runs pilots privileged: every device and capability"),
  },
  {
    key: "capabilities",
    rule: "privileged",
    safe: "drops (`-NAME`)",
    doc: "adds (`NAME`, `+NAME`)",
    grants: (v) => {
      if (!Array.isArray(v)) return `not a list (${preview(v)})`;
      const adds = v.filter((c) => typeof c !== "string" || !c.trim().startsWith("-")).slice(0, 6);
      if (adds.length === 0) return undefined;
      const names = adds
        .slice(0, 5)
        .map((c) => (typeof c === "string" ? clipText(c.trim().replace(/^\+/, ""), 40) : preview(c, 40)));
      return `adds ${names.join(", ")}${adds.length > 5 ? ", ..." : ""}`;
    },
  },
  {
    key: "devices",
    rule: "privileged",
    safe: "`[]`",
    doc: "any device",
    grants: nonEmptyList("gives pilots host devices"),
  },
  {
    key: "binds",
    rule: "privileged",
    safe: "`[]`",
    doc: "any bind mount",
    grants: nonEmptyList("mounts host paths into pilots"),
  },
  {
    key: "security_opts",
    rule: "privileged",
    safe: "`[]`",
    doc: "any security option",
    grants: nonEmptyList("changes pilots' security profile"),
  },
  {
    key: "user_group",
    rule: "privileged",
    safe: 'a numeric `"uid:gid"`, both non-zero',
    doc:
      "root, the root group (gid 0), a name, a uid without a gid (a name or a lone uid may be root " +
      "in the image)",
    grants: (v) => {
      const m = typeof v === "string" ? /^(\d+):(\d+)$/.exec(v) : null;
      if (m && Number(m[1]) > 0 && Number(m[2]) > 0) return undefined;
      const uid = typeof v === "string" ? (v.split(":")[0] ?? "").trim() : "";
      if (/^0+$/.test(uid) || uid.toLowerCase() === "root" || typeof v !== "string")
        return `runs pilots as root (${preview(v, 40)})`;
      if (m) return `gives pilots the root group (${preview(v, 40)})`;
      return (
        `a name or a missing gid may mean root in the image (${preview(v, 40)}); write numeric ` +
        `"uid:gid", both non-zero`
      );
    },
  },
  {
    key: "network_mode",
    rule: "privileged",
    safe: REMOTE_NETWORK_MODES.map((m) => `\`${m}\``).join(", "),
    doc: "`host`, `container:<name>`, a named network",
    grants: (v) => {
      if (typeof v === "string" && REMOTE_NETWORK_MODES.includes(v)) return undefined;
      if (v === "host") return "shares the host's network stack";
      if (typeof v === "string" && v.startsWith("container:"))
        return "joins another container's network namespace";
      return `joins a network other than ${REMOTE_NETWORK_MODES.join(", ")} (${preview(v, 40)})`;
    },
  },
];

/** Keys only the local config.yaml may set: a remote setting any of them is rejected. */
export const LOCAL_ONLY_KEYS: readonly string[] = REMOTE_KEY_RULES.filter((r) => r.rule === "local-only").map(
  (r) => r.key,
);

export interface PrivilegedKey {
  key: string;
  why: string;
}

const own = (raw: Record<string, unknown>, key: string) => Object.prototype.hasOwnProperty.call(raw, key);

/**
 * Keys of `raw` (keys as written, before defaults) set to a value that grants host
 * privileges. Conservative on odd types: anything but a known harmless value counts.
 */
export function privilegedKeysIn(raw: Record<string, unknown>): PrivilegedKey[] {
  const found: PrivilegedKey[] = [];
  for (const rule of REMOTE_KEY_RULES) {
    if (
      rule.rule !== "privileged" ||
      !own(raw, rule.key) ||
      raw[rule.key] === null ||
      raw[rule.key] === undefined
    )
      continue;
    const why = rule.grants?.(raw[rule.key]);
    if (why !== undefined) found.push({ key: rule.key, why });
  }
  return found;
}

/**
 * Every reason to reject a remote config as a whole, given the LOCAL raw config (the
 * only place allow_remote_privileges counts). Empty: the remote may be layered.
 */
export function remoteConfigProblems(
  remote: Record<string, unknown>,
  localRaw: Record<string, unknown>,
  remoteText?: string,
): ConfigProblem[] {
  const shape = remoteShapeProblem(remote);
  if (shape) return [shape];
  const index = remoteText === undefined ? undefined : indexKeyLines(remoteText);
  const where = (key: string) => index?.find([key]) ?? {};
  const problems: ConfigProblem[] = [];
  for (const key of LOCAL_ONLY_KEYS) {
    if (own(remote, key))
      problems.push({
        key,
        ...where(key),
        message: "only the local config.yaml may set this key: remove it from the remote config",
      });
  }
  if (localRaw.allow_remote_privileges !== true) {
    const privileged = privilegedKeysIn(remote);
    privileged.forEach(({ key, why }, i) => {
      // The fix is said once, after the last key (the message stays one readable line).
      const fix =
        i === privileged.length - 1
          ? ": refused from a remote config; set allow_remote_privileges: true in the LOCAL " +
            "config.yaml to accept"
          : "";
      problems.push({ key, ...where(key), message: `grants host privileges (${why})${fix}` });
    });
  }
  return problems;
}

/** Throws a ConfigError naming the source (the URL) when the remote must be rejected. */
export function assertRemoteAllowed(
  remote: Record<string, unknown>,
  localRaw: Record<string, unknown>,
  source: string,
  remoteText?: string,
): void {
  const problems = remoteConfigProblems(remote, localRaw, remoteText);
  if (problems.length > 0) throw new ConfigError(source, problems);
}
