// Turns config text into a validated Config, or a ConfigError listing every problem.
import yaml from "js-yaml";
import { nearest } from "../expr/index.js";
import { ConfigError, formatPath, type ConfigProblem } from "./errors.js";
import { describeIssue } from "./issue-messages.js";
import { findKeyPosition } from "./key-lines.js";
import { CONFIG_KEYS, configSchema, NESTED_KEYS, type Config } from "./schema.js";
import { checkSemantics } from "./semantics.js";

export interface ParsedConfig {
  config: Config;
  /** Present keys as the user wrote them (for layering and `config check`). */
  raw: Record<string, unknown>;
  warnings: ConfigProblem[];
}

/** Parses YAML text into a plain object of keys (no validation). Throws ConfigError. */
export function parseYamlObject(text: string, file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: file });
  } catch (err) {
    if (err instanceof yaml.YAMLException) {
      throw new ConfigError(file, [{
        line: err.mark ? err.mark.line + 1 : undefined,
        column: err.mark ? err.mark.column + 1 : undefined,
        message: `invalid YAML: ${err.reason}; fix the syntax (indentation, quotes, colons)`,
      }]);
    }
    throw err;
  }
  if (doc === undefined || doc === null) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new ConfigError(file, [{ line: 1, message: "the config must be a map of keys (key: value), not a list or a scalar" }]);
  }
  return doc as Record<string, unknown>;
}

/** Validates an object of keys; `text` (when given) locates problems by line. */
export function validateConfigObject(raw: Record<string, unknown>, file: string, text?: string): ParsedConfig {
  const where = (path: readonly PropertyKey[]) => (text === undefined ? {} : findKeyPosition(text, path) ?? {});
  const warnings: ConfigProblem[] = [];
  for (const key of Object.keys(raw)) {
    if (CONFIG_KEYS.includes(key)) continue;
    const guess = nearest(key, CONFIG_KEYS);
    warnings.push({ key, ...where([key]), message: `unknown key, ${guess ? `did you mean ${guess}?` : "ignored (see conf-examples/config.yaml for the keys)"}` });
  }
  for (const [key, known] of Object.entries(NESTED_KEYS)) {
    const value = raw[key];
    const maps: [PropertyKey[], unknown][] = Array.isArray(value) ? value.map((v, i) => [[key, i], v]) : [[[key], value]];
    for (const [at, map] of maps) {
      if (map === null || typeof map !== "object" || Array.isArray(map)) continue;
      for (const k of Object.keys(map)) {
        if (known.includes(k)) continue;
        const guess = nearest(k, known);
        warnings.push({ key: formatPath([...at, k]), ...where([...at, k]), message: `unknown key, ${guess ? `did you mean ${guess}?` : `ignored (known: ${known.join(", ")})`}` });
      }
    }
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(file, result.error.issues.filter((i) => i.code !== "unrecognized_keys").map((issue) => ({
      key: formatPath(issue.path),
      ...where(issue.path),
      message: describeIssue(issue, raw),
    })));
  }
  const problems = checkSemantics(result.data).map((p) => ({ ...p, ...(p.key ? where(p.key.split(/\.|\[(\d+)\]/).filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : s))) : {}) }));
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { config: result.data, raw, warnings };
}

export function parseConfigText(text: string, file: string): ParsedConfig {
  return validateConfigObject(parseYamlObject(text, file), file, text);
}
