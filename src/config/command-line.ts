// A string docker_cmd split as a shell splits words (quotes, backslashes), by shell-quote.
// Pilots run without a shell, so what only a shell does (; | && > $(...)) is refused
// with the way to get it: a list, or sh -c "...".
import shellQuote from "shell-quote";

const { parse } = shellQuote;

export type SplitCommand = { argv: string[]; error?: undefined } | { argv?: undefined; error: string };

const SH_C = 'or run a shell: /bin/sh -c "first; second"';

export function splitCommand(line: string): SplitCommand {
  const open = unclosedQuote(line);
  if (open)
    return {
      error:
        `${open} quote is not closed: close it, or write the command as a list, e.g. ["/bin/sh", ` +
        `"-c", "echo hi; sleep 60"]`,
    };
  // Variables stay as written: Docker does not expand them in a command either.
  const entries = parse(line, (name: string) => `$${name}`);
  const argv: string[] = [];
  for (const e of entries) {
    if (typeof e === "string") argv.push(e);
    else if ("comment" in e) break;
    else if (e.op === "glob") argv.push(e.pattern);
    else
      return {
        error:
          `"${e.op}" is shell syntax and pilots run without a shell: write the command as a ` +
          `list, ${SH_C}`,
      };
  }
  if (argv.length === 0) return { error: 'is empty: write a command, e.g. "/bin/sleep 60"' };
  return { argv };
}

/** "a double" or "a single" when the line ends inside quotes. */
function unclosedQuote(line: string): string | undefined {
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
    } else if (c === "\\") {
      i++;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    }
  }
  return quote === undefined ? undefined : quote === '"' ? "a double" : "a single";
}
