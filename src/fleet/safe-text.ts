// Text from etcd is written by whoever holds a key: before it reaches a log line or the
// admin's terminal, control characters (C0, DEL, C1: the ANSI escapes) and the bidi
// overrides (which reorder what a terminal shows) are removed or made visible.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The text without its control characters, cut to maxChars (a cut ends with "…"). */
export function cleanText(s: string, maxChars: number): string {
  const clean = s.replace(CONTROLS, "");
  return clean.length > maxChars ? `${clean.slice(0, maxChars - 1)}…` : clean;
}

/** The text with each control character shown as \xNN or \u{NNNN}: what an admin sees is what etcd holds. */
export function escapeText(s: string): string {
  return s.replace(CONTROLS, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
  });
}

/** JSON text with the control characters JSON.stringify leaves raw (DEL, C1, bidi) as \uNNNN:
 *  still valid JSON. */
export function escapeJson(json: string): string {
  return json.replace(CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
