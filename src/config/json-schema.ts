// The JSON Schema editors check config.yaml with (conf-examples/config.schema.json), as
// strict as the loader: unknown keys flagged (additionalProperties: false; the loader
// only warns, JSON Schema has no warning level), durations, sizes and ratios as patterns,
// enums as enums. Durations and sizes are found by asking the schema itself what it
// makes of "90s" and "2GiB", so a new key of either kind is covered without a list.
import { z } from "zod";
import { configSchema, defaultConfig } from "./schema.js";

type Json = Record<string, unknown>;

/** What parseDurationSeconds accepts: "30", "90s", "1h30m", " 5 m" (any case). */
export const DURATION_PATTERN =
  "^\\s*\\d+(\\.\\d+)?\\s*(([mM][sS]|[sSmMhHdDwW])(\\s*\\d+(\\.\\d+)?\\s*([mM][sS]|[sSmMhHdDwW]))*)?\\s*$";
/** What parseSizeBytes accepts: "2000000000", "2GiB", "512MB", "1.5 g" (any case). */
export const SIZE_PATTERN = "^\\s*\\d+(\\.\\d+)?\\s*([bB]|[kKmMgGtT]([iI]?[bB])?)?\\s*$";
/** A size, or a percentage: "10%". */
export const SIZE_OR_RATIO_PATTERN = `(${SIZE_PATTERN})|(^\\s*\\d+(\\.\\d+)?\\s*%\\s*$)`;

const DURATION_DOC = 'seconds, or a duration such as "90s", "5m", "12h", "1d"';
const SIZE_DOC = 'bytes, or a size such as "2GiB", "512MB"';
const RATIO_DOC = 'a ratio (0.1), a percentage ("10%") or a size ("2GiB")';

/** The kind of unit a value schema parses strings into, found by trying it. */
function unitKind(schema: z.ZodType): { pattern: string; doc: string } | undefined {
  const out = (v: unknown) => {
    const r = schema.safeParse(v);
    return r.success ? r.data : undefined;
  };
  const ratio = out("10%") as { ratio?: number } | undefined;
  if (ratio !== undefined && typeof ratio === "object" && ratio !== null && ratio.ratio === 0.1)
    return { pattern: SIZE_OR_RATIO_PATTERN, doc: RATIO_DOC };
  if (out("2GiB") === 2 ** 31) return { pattern: SIZE_PATTERN, doc: SIZE_DOC };
  if (out("90m") === 5400) return { pattern: DURATION_PATTERN, doc: DURATION_DOC };
  return undefined;
}

/** Adds `pattern` to every string branch of a property (anyOf nests for nullable). */
function addPattern(prop: Json, pattern: string): void {
  if (prop.type === "string" && prop.pattern === undefined) prop.pattern = pattern;
  for (const branch of (prop.anyOf as Json[] | undefined) ?? []) addPattern(branch, pattern);
}

/** additionalProperties: false on every map with known properties. */
function closeObjects(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) closeObjects(n);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const obj = node as Json;
  if (obj.type === "object" && obj.properties !== undefined && obj.additionalProperties === undefined)
    obj.additionalProperties = false;
  for (const v of Object.values(obj)) closeObjects(v);
}

export function configJsonSchema(): Json {
  const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as Json & {
    properties: Record<string, Json>;
  };
  const defaults = defaultConfig() as Record<string, unknown>;
  const shape = configSchema.shape as Record<string, z.ZodType>;
  for (const [key, prop] of Object.entries(schema.properties)) {
    prop.default = defaults[key];
    const field = shape[key];
    if (field === undefined) continue;
    const kind = unitKind(field);
    if (kind) addPattern(prop, kind.pattern);
    // One level of nesting (config_git: {pull_every: 10m}): try each property alone.
    for (const branch of [prop, ...((prop.anyOf as Json[] | undefined) ?? [])]) {
      const props =
        branch.type === "object" ? (branch.properties as Record<string, Json> | undefined) : undefined;
      for (const [name, sub] of Object.entries(props ?? {})) {
        const parsed = (v: unknown) => {
          const r = field.safeParse({ [name]: v });
          return r.success ? (r.data as Record<string, unknown> | null)?.[name] : undefined;
        };
        if (parsed("90m") === 5400) addPattern(sub, DURATION_PATTERN);
        else if (parsed("2GiB") === 2 ** 31) addPattern(sub, SIZE_PATTERN);
      }
    }
  }
  closeObjects(schema);
  return {
    ...schema,
    $id: "https://plancton.invalid/config.schema.json",
    title: "Plancton configuration (config.yaml)",
    description:
      "Unknown keys are flagged here; the daemon itself only warns about them (with the nearest " +
      "known key) and ignores them.",
    required: undefined,
  };
}
