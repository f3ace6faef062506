// Turns config text into a validated Config, or a ConfigError listing every problem.
import yaml from "js-yaml";
import { nearest } from "../expr/index.js";
import {
  boundProblem,
  ConfigError,
  formatPath,
  MAX_PROBLEMS,
  moreProblems,
  type ConfigProblem,
} from "./errors.js";
import { describeIssue } from "./issue-messages.js";
import { indexKeyLines } from "./key-lines.js";
import { gitTrustWarnings } from "./remote/git-trust-warning.js";
import { CONFIG_KEYS, configSchema, NESTED_KEYS, type Config } from "./schema.js";
import { checkSemantics } from "./semantics.js";
import { loadYamlBounded, MAX_YAML_DEPTH, YamlBudgetError, type YamlLimits } from "./yaml-load.js";

export interface ParsedConfig {
  config: Config;
  /** Present keys as the user wrote them (for layering and `config check`). */
  raw: Record<string, unknown>;
  warnings: ConfigProblem[];
}

/** Parses YAML text into a plain object of keys (no validation). Throws ConfigError. */
export function parseYamlObject(text: string, file: string, limits?: YamlLimits): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = loadYamlBounded(text, file, limits);
  } catch (err) {
    if (err instanceof YamlBudgetError)
      throw new ConfigError(file, [{ line: err.line, message: `refused: ${err.message}` }]);
    const budget = err instanceof yaml.YAMLException && /maxDepth|maxTotalMergeKeys/.exec(err.reason)?.[0];
    if (budget) {
      throw new ConfigError(file, [
        {
          line: (err as yaml.YAMLException).mark ? (err as yaml.YAMLException).mark.line + 1 : undefined,
          message:
            budget === "maxDepth"
              ? `refused: nested deeper than ${MAX_YAML_DEPTH} levels; a config is a few levels deep`
              : "refused: merge keys (<<) copy too many keys (an alias bomb?): write the values out",
        },
      ]);
    }
    if (err instanceof yaml.YAMLException) {
      throw new ConfigError(file, [
        {
          line: err.mark ? err.mark.line + 1 : undefined,
          column: err.mark ? err.mark.column + 1 : undefined,
          message: `invalid YAML: ${err.reason}; fix the syntax (indentation, quotes, colons)`,
        },
      ]);
    }
    throw err;
  }
  if (doc === undefined || doc === null) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new ConfigError(file, [
      { line: 1, message: "the config must be a map of keys (key: value), not a list or a scalar" },
    ]);
  }
  return doc as Record<string, unknown>;
}

/** Longest unknown key a "did you mean" is computed for (edit distance is quadratic in it). */
const MAX_SUGGEST_KEY_CHARS = 64;

/**
 * Validates an object of keys; `text` (when given) locates problems by line. Linear in the
 * input: the text is indexed once, and only the problems and warnings shown (MAX_PROBLEMS
 * of each, then "... and N more") are described.
 */
export function validateConfigObject(
  raw: Record<string, unknown>,
  file: string,
  text?: string,
): ParsedConfig {
  const index = text === undefined ? undefined : indexKeyLines(text);
  const where = (path: readonly PropertyKey[]) => index?.find(path) ?? {};
  const warnings: ConfigProblem[] = [];
  let unshown = 0;
  const unknown = (path: PropertyKey[], known: readonly string[], fallback: string) => {
    if (warnings.length >= MAX_PROBLEMS) {
      unshown++;
      return;
    }
    const key = String(path[path.length - 1]);
    const guess = key.length <= MAX_SUGGEST_KEY_CHARS ? nearest(key, known) : undefined;
    warnings.push(
      boundProblem({
        key: formatPath(path),
        path,
        ...where(path),
        message: `unknown key, ${guess ? `did you mean ${guess}?` : fallback}`,
      }),
    );
  };
  for (const key in raw) {
    if (Object.prototype.hasOwnProperty.call(raw, key) && !CONFIG_KEYS.includes(key))
      unknown([key], CONFIG_KEYS, "ignored (see conf-examples/config.yaml for the keys)");
  }
  for (const [key, known] of Object.entries(NESTED_KEYS)) {
    const value = raw[key];
    const maps: [PropertyKey[], unknown][] = Array.isArray(value)
      ? value.map((v, i) => [[key, i], v])
      : [[[key], value]];
    for (const [at, map] of maps) {
      if (map === null || typeof map !== "object" || Array.isArray(map)) continue;
      for (const k in map) {
        if (Object.prototype.hasOwnProperty.call(map, k) && !known.includes(k))
          unknown([...at, k], known, `ignored (known: ${known.join(", ")})`);
      }
    }
  }
  if (unshown > 0) warnings.push(moreProblems(unshown, "unknown keys"));
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.filter((i) => i.code !== "unrecognized_keys");
    throw new ConfigError(file, [
      ...issues.slice(0, MAX_PROBLEMS).map((issue) => ({
        key: formatPath(issue.path),
        path: issue.path,
        ...where(issue.path),
        message: describeIssue(issue, raw),
      })),
      ...(issues.length > MAX_PROBLEMS ? [moreProblems(issues.length - MAX_PROBLEMS)] : []),
    ]);
  }
  const problems = checkSemantics(result.data).map((p) => {
    const path = p.key
      ? p.key
          .split(/\.|\[(\d+)\]/)
          .filter(Boolean)
          .map((s) => (/^\d+$/.test(s) ? Number(s) : s))
      : undefined;
    return { ...p, ...(path ? { path, ...where(path) } : {}) };
  });
  if (problems.length > 0) throw new ConfigError(file, problems);
  for (const w of gitTrustWarnings(raw)) warnings.push({ ...w, ...where(w.path ?? []) });
  return { config: result.data, raw, warnings };
}

export function parseConfigText(text: string, file: string): ParsedConfig {
  return validateConfigObject(parseYamlObject(text, file), file, text);
}
