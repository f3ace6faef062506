// Config errors a user can cause: what is wrong, where (file, line, key), what to do.

export interface ConfigProblem {
  key?: string;      // dotted path, e.g. "devices[2].PathOnHost"
  line?: number;     // 1-based
  column?: number;   // 1-based
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly file: string, readonly problems: readonly ConfigProblem[]) {
    super(problems.map((p) => formatProblem(file, p)).join("\n"));
    this.name = "ConfigError";
  }
}

export function formatProblem(file: string, p: ConfigProblem): string {
  const where = p.line === undefined ? file : `${file}:${p.line}${p.column === undefined ? "" : `:${p.column}`}`;
  // One line per problem, whatever a value pasted into the message holds.
  return (p.key ? `${where}: ${p.key}: ${p.message}` : `${where}: ${p.message}`).replace(/\r\n|\r|\n/g, "\\n");
}

/**
 * A value as JSON for a message, at most `max` characters, walking no more of it than it
 * shows (a YAML alias bomb is small on disk and huge once expanded).
 */
export function preview(value: unknown, max = 80): string {
  let budget = max;
  const walk = (v: unknown): string => {
    if (budget <= 0) return "…";
    let s: string;
    if (Array.isArray(v)) {
      const parts: string[] = [];
      for (const e of v) {
        if (budget <= 0) {
          parts.push("…");
          break;
        }
        parts.push(walk(e));
      }
      s = `[${parts.join(",")}]`;
    } else if (v !== null && typeof v === "object") {
      const parts: string[] = [];
      for (const [k, e] of Object.entries(v)) {
        if (budget <= 0) {
          parts.push("…");
          break;
        }
        parts.push(`${JSON.stringify(k.length > max ? `${k.slice(0, max)}…` : k)}:${walk(e)}`);
      }
      s = `{${parts.join(",")}}`;
    } else if (typeof v === "number" && !Number.isFinite(v)) {
      s = String(v); // JSON would say null
    } else if (typeof v === "string" && v.length > max) {
      s = JSON.stringify(`${v.slice(0, max)}…`);
    } else {
      s = JSON.stringify(v) ?? String(v);
    }
    budget -= s.length;
    return s;
  };
  const out = walk(value);
  return out.length > max ? `${out.slice(0, max)}…` : out;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}
