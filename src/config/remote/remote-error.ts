// The one error type of a remote config source: one bounded line naming the URL, what
// went wrong and what to do; and the remote's YAML parsed under the remote caps.
import { clipText, ConfigError, type ConfigProblem } from "../errors.js";
import { parseYamlObject } from "../parse.js";
import { MAX_REMOTE_ENTRIES } from "./remote-shape.js";

/** Longest remote error message (it goes to the log and to `planctonctl status`). */
export const MAX_REMOTE_ERROR_CHARS = 4000;

export type RemoteErrorKind =
  | "url"
  | "insecure"
  | "unreachable"
  | "timeout"
  | "http"
  | "oversize"
  | "encoding"
  | "yaml"
  | "rejected"
  | "cache";

/** A one-line message: `remote config <url>: what went wrong; what to do`. */
export class RemoteConfigError extends Error {
  constructor(
    readonly url: string,
    readonly kind: RemoteErrorKind,
    detail: string,
  ) {
    // Bounded whatever the server sent (a Location header, a rejected config's problems).
    super(clipText(`remote config ${url}: ${detail}`.replace(/\r\n|\r|\n/g, "; "), MAX_REMOTE_ERROR_CHARS));
    this.name = "RemoteConfigError";
  }
}

/** A copy of the remote config, as fetched (or read back from the cache). */

export function parseRemoteText(text: string, source: string): Record<string, unknown> {
  try {
    // Each entry is a key and a value: past twice the entry cap, parsing stops at once.
    return parseYamlObject(text, source, { maxNodes: 2 * MAX_REMOTE_ENTRIES + 1 });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new RemoteConfigError(source, "yaml", err.problems.map(describeRemoteProblem).join("; "));
  }
}

/** A problem without its file name (the message already names the URL). */
export function describeRemoteProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? "" : `line ${p.line}${p.column === undefined ? "" : `:${p.column}`}: `;
  return `${where}${p.key ? `${p.key}: ` : ""}${p.message}`;
}
