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
  return p.key ? `${where}: ${p.key}: ${p.message}` : `${where}: ${p.message}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}
