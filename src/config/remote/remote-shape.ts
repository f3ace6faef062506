// Caps on the size and depth of a remote config, checked before anything else reads it:
// a Plancton config has about fifty keys, a few short lists, three levels. Whatever a
// server sends, the daemon then spends a bounded time on it (the walk stops at the cap).
import type { ConfigProblem } from "../errors.js";

/** Most entries (map keys and list items, at every level) a remote config may carry. */
export const MAX_REMOTE_ENTRIES = 2000;
/** Deepest nesting of maps and lists in a remote config. */
export const MAX_REMOTE_DEPTH = 6;
/** Longest string value (a command, an environment value with a token) a remote config may carry. */
export const MAX_REMOTE_STRING = 8192;
/** Longest key. */
export const MAX_REMOTE_KEY = 128;

/** undefined when the remote is within the caps; else the one problem to report. */
export function remoteShapeProblem(remote: Record<string, unknown>): ConfigProblem | undefined {
  let entries = 0;
  let deepest = "";
  // Iterative, so a hostile depth cannot overflow the stack; stops at the first cap hit.
  const stack: [unknown, number, string][] = [[remote, 0, ""]];
  while (stack.length > 0) {
    const [v, depth, at] = stack.pop() as [unknown, number, string];
    if (typeof v === "string" && v.length > MAX_REMOTE_STRING) {
      return {
        key: at,
        message:
          `is a string of ${v.length} characters, over the ${MAX_REMOTE_STRING} a remote value may ` +
          `have: check what the server sends (a long script belongs in the image)`,
      };
    }
    if (v === null || typeof v !== "object") continue;
    if (depth >= MAX_REMOTE_DEPTH) {
      deepest = at;
      break;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length && entries <= MAX_REMOTE_ENTRIES; i++, entries++)
        stack.push([v[i], depth + 1, `${at}[${i}]`]);
    } else {
      for (const k in v) {
        if (entries++ > MAX_REMOTE_ENTRIES) break;
        if (k.length > MAX_REMOTE_KEY)
          return {
            key: `${at === "" ? "" : `${at}.`}${k.slice(0, 40)}...`,
            message: `is a key of ${k.length} characters, over ${MAX_REMOTE_KEY}: no config key is that long`,
          };
        if (Object.prototype.hasOwnProperty.call(v, k))
          stack.push([(v as Record<string, unknown>)[k], depth + 1, at === "" ? k : `${at}.${k}`]);
      }
    }
    if (entries > MAX_REMOTE_ENTRIES) {
      return {
        message:
          `carries more than ${MAX_REMOTE_ENTRIES} keys and list items; a config has about fifty: ` +
          `check what the server sends`,
      };
    }
  }
  if (deepest !== "")
    return {
      key: deepest,
      message: `nested more than ${MAX_REMOTE_DEPTH} levels deep; a config is three levels deep`,
    };
  return undefined;
}
