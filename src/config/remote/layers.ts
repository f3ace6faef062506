// Layering: defaults < remote (config_url) < local config.yaml, key by key. A key the
// local file sets wins whole (a local `binds` replaces the remote's list, no merging),
// so what the admin wrote on the host is always what applies. The result is validated
// as one config, and records where each effective value came from for `config check`.
import { ConfigError, type ConfigProblem } from "../errors.js";
import { indexKeyLines, type KeyLineIndex } from "../key-lines.js";
import { validateConfigObject, type ParsedConfig } from "../parse.js";
import { CONFIG_KEYS } from "../schema.js";
import { LOCAL_ONLY_KEYS } from "./privileges.js";

export type ConfigSource = "default" | "remote" | "local";

export interface LayeredConfig extends ParsedConfig {
  /** For every key of the effective config: the layer its value came from. */
  sources: Record<string, ConfigSource>;
}

export interface ConfigLayers {
  /** The remote's keys as parsed (already checked with assertRemoteAllowed). */
  remote?: Record<string, unknown>;
  /** The local config.yaml's keys as written. */
  local: Record<string, unknown>;
  /** Names the remote in messages, e.g. its URL. */
  remoteName?: string;
  /** Texts, to give problems a line number in the right file. */
  remoteText?: string;
  localText?: string;
}

/**
 * Validates defaults < remote < local. Throws a ConfigError listing every problem;
 * problems in keys that came from the remote name the remote (and its line).
 * Local-only keys (config_url, allow_remote_privileges, ...) are never taken from the
 * remote, even if the caller forgot to reject a remote that sets them.
 */
export function layerConfig(layers: ConfigLayers, file: string): LayeredConfig {
  const remote: Record<string, unknown> = {};
  const given = layers.remote ?? {};
  for (const key in given) {
    if (Object.prototype.hasOwnProperty.call(given, key) && !LOCAL_ONLY_KEYS.includes(key))
      remote[key] = given[key];
  }
  const local = layers.local;
  const merged: Record<string, unknown> = { ...remote, ...local };
  const sourceOf = (key: string): ConfigSource =>
    Object.prototype.hasOwnProperty.call(local, key)
      ? "local"
      : Object.prototype.hasOwnProperty.call(remote, key)
        ? "remote"
        : "default";
  const remoteName = layers.remoteName ?? "remote config";
  const fromRemote = (p: ConfigProblem) =>
    p.key !== undefined && sourceOf(p.path?.length ? String(p.path[0]) : topKey(p.key)) === "remote";
  // Locates a remote key's problem in the remote's text (indexed once), not the local file's.
  let remoteIndex: KeyLineIndex | undefined;
  const relocate = (p: ConfigProblem): ConfigProblem => {
    if (!fromRemote(p)) return p;
    if (layers.remoteText !== undefined) remoteIndex ??= indexKeyLines(layers.remoteText);
    const pos = remoteIndex?.find(p.path ?? keyPath(p.key as string));
    return { key: p.key, path: p.path, ...(pos ?? {}), message: p.message };
  };

  // A remote key's problem reported under the local file's name: say where it really is.
  const inRemote = (p: ConfigProblem): ConfigProblem => ({
    key: p.key,
    path: p.path,
    message: `${p.message} (from ${remoteName}${p.line === undefined ? "" : `:${p.line}`})`,
  });

  let parsed: ParsedConfig;
  try {
    parsed = validateConfigObject(merged, file, layers.localText);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const problems = err.problems.map(relocate);
    // "... and N more" names no key: it follows the problems it counts.
    if (problems.every((p) => p.more !== undefined || fromRemote(p)))
      throw new ConfigError(remoteName, problems);
    throw new ConfigError(
      file,
      problems.map((p) => (fromRemote(p) ? inRemote(p) : p)),
    );
  }
  const warnings = parsed.warnings.map((w) => (fromRemote(w) ? inRemote(relocate(w)) : w));
  const sources = Object.fromEntries(CONFIG_KEYS.map((key) => [key, sourceOf(key)]));
  return { config: parsed.config, raw: merged, warnings, sources };
}

function topKey(key: string): string {
  return key.split(/[.[]/)[0] ?? key;
}

function keyPath(key: string): (string | number)[] {
  return key
    .split(/\.|\[(\d+)\]/)
    .filter(Boolean)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
