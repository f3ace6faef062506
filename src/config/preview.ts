// The one way a config or remote value is quoted in a message, a log line or a status
// field: bounded in size AND in the time it takes, whatever the value (a YAML alias
// bomb is small on disk and huge once walked; a key may be a megabyte long). Never
// JSON.stringify a raw config value: it walks all of it.

/** Longest key shown in a message (a key path, clipped). */
export const MAX_KEY_CHARS = 120;
/** Longest message of one problem. */
export const MAX_MESSAGE_CHARS = 600;

/** `text` cut to `max` characters, with "…" when cut. O(max). */
export function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * A value as JSON for a message, at most `max` characters (plus "…"), visiting at most
 * about `max` of its nodes: maps and lists are walked lazily and cut when the budget is spent.
 */
export function preview(value: unknown, max = 80): string {
  let budget = max;
  const walk = (v: unknown, depth: number): string => {
    if (budget <= 0 || depth > 8) return "…";
    let s: string;
    if (Array.isArray(v)) {
      const parts: string[] = [];
      for (const e of v) {
        if (budget <= 0) {
          parts.push("…");
          break;
        }
        parts.push(walk(e, depth + 1));
      }
      s = `[${parts.join(",")}]`;
    } else if (v !== null && typeof v === "object") {
      const parts: string[] = [];
      // for...in stops at the budget; Object.entries would copy every key first.
      for (const k in v) {
        if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
        if (budget <= 0) {
          parts.push("…");
          break;
        }
        parts.push(
          `${JSON.stringify(clipText(k, max))}:${walk((v as Record<string, unknown>)[k], depth + 1)}`,
        );
      }
      s = `{${parts.join(",")}}`;
    } else if (typeof v === "number" && !Number.isFinite(v)) {
      s = String(v); // JSON would say null
    } else if (typeof v === "string") {
      s = JSON.stringify(clipText(v, max));
    } else if (typeof v === "bigint" || typeof v === "symbol" || typeof v === "function") {
      s = typeof v;
    } else {
      s = JSON.stringify(v) ?? String(v);
    }
    budget -= s.length;
    return s;
  };
  return clipText(walk(value, 0), max);
}
