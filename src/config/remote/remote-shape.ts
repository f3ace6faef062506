// Caps on the size and depth of a remote config, checked before anything else reads it:
// a Plancton config has about fifty keys, a few short lists, three levels. Whatever a
// server sends, the daemon then spends a bounded time on it (the walk stops at the cap).
import type { ConfigProblem } from "../errors.js";

/** Most entries (map keys and list items, at every level) a remote config may carry. */
export const MAX_REMOTE_ENTRIES = 2000;
/** Deepest nesting of maps and lists in a remote config. */
export const MAX_REMOTE_DEPTH = 6;

/** undefined when the remote is within the caps; else the one problem to report. */
export function remoteShapeProblem(remote: Record<string, unknown>): ConfigProblem | undefined {
  let entries = 0;
  let deepest = "";
  // Iterative, so a hostile depth cannot overflow the stack; stops at the first cap hit.
  const stack: [unknown, number, string][] = [[remote, 0, ""]];
  while (stack.length > 0) {
    const [v, depth, at] = stack.pop() as [unknown, number, string];
    if (v === null || typeof v !== "object") continue;
    if (depth >= MAX_REMOTE_DEPTH) {
      deepest = at;
      break;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length && entries <= MAX_REMOTE_ENTRIES; i++, entries++) stack.push([v[i], depth + 1, `${at}[${i}]`]);
    } else {
      for (const k in v) {
        if (entries++ > MAX_REMOTE_ENTRIES) break;
        if (Object.prototype.hasOwnProperty.call(v, k)) stack.push([(v as Record<string, unknown>)[k], depth + 1, at === "" ? k : `${at}.${k}`]);
      }
    }
    if (entries > MAX_REMOTE_ENTRIES) {
      return { message: `carries more than ${MAX_REMOTE_ENTRIES} keys and list items; a config has about fifty: check what the server sends` };
    }
  }
  if (deepest !== "") return { key: deepest, message: `nested more than ${MAX_REMOTE_DEPTH} levels deep; a config is three levels deep` };
  return undefined;
}
