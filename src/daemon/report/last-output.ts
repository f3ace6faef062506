// The last line a pilot printed, from the output kept for it: what the crash-loop warning
// and status show of a pilot that exits at once.
import { readFileSync } from "node:fs";
import { pilotLogFile } from "./pilot-logs.js";

/** The last non-empty line of the output kept for a pilot ("" when none). */
export function lastOutputLine(logdir: string, name: string): string {
  try {
    const lines = readFileSync(pilotLogFile(logdir, name), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    return lines.at(-1) ?? "";
  } catch {
    return "";
  }
}
