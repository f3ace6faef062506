// Docker's JSON answers -> our plain types (pure). Every field is read defensively:
// a container without a name, labels or state must never crash the daemon.
import type { EngineInfo, EngineName, ExitInfo, PilotInfo, PilotState } from "./engine.js";

const PILOT_STATES: ReadonlySet<string> = new Set<PilotState>([
  "created",
  "running",
  "paused",
  "restarting",
  "removing",
  "exited",
  "dead",
]);

/** Docker's time strings; its "zero" time (0001-01-01) means "never". */
export function parseDockerTime(value: unknown): number | undefined {
  if (typeof value !== "string" || value === "" || value.startsWith("0001-")) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Docker documents no other states; an unknown or missing one is treated as unusable ("dead"). */
function toState(value: unknown): PilotState {
  return typeof value === "string" && PILOT_STATES.has(value) ? (value as PilotState) : "dead";
}

/** {k: v} -> ["k=v"], Docker's label filter (all must match). */
export function labelFilter(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

/** The container's own name out of a listing's Names (["/a", "/b/alias"]); "" when none. */
export function nameOf(names: unknown): string {
  if (!Array.isArray(names)) return "";
  const strings = names.filter((n): n is string => typeof n === "string" && n !== "");
  const own = strings.find((n) => n.lastIndexOf("/") === 0) ?? strings[0];
  return own ? own.slice(own.lastIndexOf("/") + 1) : "";
}

function labelsOf(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    if (typeof v === "string") out[k] = v;
  return out;
}

/** One entry of GET /containers/json. */
export function toPilotInfo(c: Record<string, unknown>): PilotInfo {
  const created = Number(c["Created"]);
  return {
    id: typeof c["Id"] === "string" ? c["Id"] : "",
    name: nameOf(c["Names"]),
    state: toState(c["State"]),
    createdAtMs: Number.isFinite(created) ? created * 1000 : 0,
    image: typeof c["Image"] === "string" ? c["Image"] : "",
    labels: labelsOf(c["Labels"]),
  };
}

/** Names out of SecurityOptions: "name=seccomp,profile=default" (API >= 1.26) or plain "apparmor" (older). */
function securityOptionNames(options: unknown): Set<string> {
  const names = new Set<string>();
  if (!Array.isArray(options)) return names;
  for (const opt of options) {
    if (typeof opt !== "string") continue;
    const name = opt
      .split(",")
      .map((kv) => kv.split("="))
      .find(([k]) => k === "name")?.[1];
    names.add(name ?? opt);
  }
  return names;
}

/** Podman's Docker-compatible API names itself in GET /version's Components; anything else is Docker. */
function engineNameOf(version: Record<string, unknown>): EngineName {
  const components = Array.isArray(version["Components"]) ? (version["Components"] as unknown[]) : [];
  const named = (c: unknown) =>
    typeof c === "object" && c !== null && /podman/i.test(String((c as { Name?: unknown }).Name ?? ""));
  return components.some(named) ? "podman" : "docker";
}

/** GET /info (and GET /version, for the engine's name). */
export function toEngineInfo(
  raw: Record<string, unknown>,
  version: Record<string, unknown> = {},
): EngineInfo {
  const security = securityOptionNames(raw["SecurityOptions"]);
  const warnings = Array.isArray(raw["Warnings"])
    ? raw["Warnings"].filter((w): w is string => typeof w === "string")
    : [];
  return {
    serverVersion: String(raw["ServerVersion"] ?? ""),
    cgroupDriver: String(raw["CgroupDriver"] ?? ""),
    // Docker < 20.10 does not report it, and then runs on cgroup v1 only.
    cgroupVersion: String(raw["CgroupVersion"] ?? "1"),
    dockerRootDir: String(raw["DockerRootDir"] ?? ""),
    apparmor: security.has("apparmor"),
    // Podman says it in a field of its own (its SecurityOptions have lacked name=rootless).
    rootless: security.has("rootless") || raw["Rootless"] === true,
    ncpu: Number(raw["NCPU"] ?? 0),
    memTotalBytes: Number(raw["MemTotal"] ?? 0),
    swapLimit: raw["SwapLimit"] !== false,
    warnings,
    engine: engineNameOf(version),
  };
}

/** GET /containers/{id}/json: how (and whether) the container ended. */
export function toExitInfo(raw: Record<string, unknown>): ExitInfo {
  const s = (typeof raw["State"] === "object" && raw["State"] !== null ? raw["State"] : {}) as Record<
    string,
    unknown
  >;
  const state = toState(s["Status"]);
  const exitCode = Number(s["ExitCode"]);
  const info: ExitInfo = {
    exitCode: (state === "exited" || state === "dead") && Number.isFinite(exitCode) ? exitCode : null,
    oomKilled: s["OOMKilled"] === true,
    state,
  };
  const startedAtMs = parseDockerTime(s["StartedAt"]);
  const finishedAtMs = parseDockerTime(s["FinishedAt"]);
  if (startedAtMs !== undefined) info.startedAtMs = startedAtMs;
  if (finishedAtMs !== undefined) info.finishedAtMs = finishedAtMs;
  if (typeof s["Error"] === "string" && s["Error"] !== "") info.error = s["Error"];
  return info;
}
