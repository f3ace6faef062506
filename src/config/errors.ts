// Config errors a user can cause: what is wrong, where (file, line, key), what to do.
// Whatever the input, a problem is one line of bounded length and a list of problems is
// capped: a hostile config cannot make a message, a log line or a status field huge.
import { clipText, MAX_KEY_CHARS, MAX_MESSAGE_CHARS } from "./preview.js";

export { clipText, preview } from "./preview.js";

/** Most problems (or warnings) listed; the rest are counted in one "... and N more". */
export const MAX_PROBLEMS = 20;

export interface ConfigProblem {
  key?: string; // dotted path, e.g. "devices[2].PathOnHost"
  line?: number; // 1-based
  column?: number; // 1-based
  message: string;
  /** The key path as parsed, unclipped (for code: which layer a key came from). */
  path?: readonly PropertyKey[];
  /** Set on the closing "... and N more" entry of a capped list. */
  more?: number;
}

export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  constructor(
    readonly file: string,
    problems: readonly ConfigProblem[],
  ) {
    const capped = problems.some((p) => p.more !== undefined)
      ? problems.map(boundProblem)
      : capProblems(problems);
    super(capped.map((p) => formatProblem(file, p)).join("\n"));
    this.problems = capped;
    this.name = "ConfigError";
  }
}

/** One line: `file:line:column: key: message`, bounded. */
export function formatProblem(file: string, problem: ConfigProblem): string {
  const p = boundProblem(problem);
  const where =
    p.line === undefined ? file : `${file}:${p.line}${p.column === undefined ? "" : `:${p.column}`}`;
  return p.key ? `${where}: ${p.key}: ${p.message}` : `${where}: ${p.message}`;
}

/** A problem made safe to show: key and message clipped, one line whatever a value pasted into it holds. */
export function boundProblem(p: ConfigProblem): ConfigProblem {
  const oneLine = (s: string) => s.replace(/\r\n|\r|\n/g, "\\n");
  const out: ConfigProblem = { ...p, message: oneLine(clipText(p.message, MAX_MESSAGE_CHARS)) };
  if (p.key !== undefined) out.key = oneLine(clipText(p.key, MAX_KEY_CHARS));
  return out;
}

/**
 * At most MAX_PROBLEMS problems, each bounded, then one "... and N more" entry. Reads
 * only the entries it keeps: a list of a million problems costs what twenty do.
 */
export function capProblems(
  problems: readonly ConfigProblem[],
  noun = "problems",
  max = MAX_PROBLEMS,
): ConfigProblem[] {
  const kept = problems.slice(0, max).map(boundProblem);
  if (problems.length > max) kept.push(moreProblems(problems.length - max, noun));
  return kept;
}

export function moreProblems(n: number, noun = "problems"): ConfigProblem {
  return { message: `... and ${n} more ${noun}`, more: n };
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}
