// Finds the line of a key path in YAML text, so schema errors can say where they are.
// js-yaml returns plain objects without positions; a light scan of the text is enough
// for Plancton's mostly flat files: top-level keys, list items below them, and map keys.
// The text is scanned ONCE into an index of every key path it writes (`binds[2]`,
// `influxdb[0].url`), so locating any number of problems is linear in the text.

export interface KeyPosition {
  line: number;
  column: number;
}

export interface KeyLineIndex {
  /** Where `path` is written, or its longest prefix that is; undefined when none is. */
  find(path: readonly PropertyKey[]): KeyPosition | undefined;
}

/** Lines scanned by indexKeyLines since start (tests check the work is linear). */
export const keyLineStats = { linesScanned: 0 };

interface Open {
  indent: number;
  path: string;
  item: boolean;
  items: Map<number, number>;
}

const BLOCK_SCALAR = /^[|>][-+0-9]*\s*(#.*)?$/;
const QUOTED_KEY = /^(["'])((?:(?!\1).)*)\1\s*:(?:\s|$)/;
const PLAIN_KEY = /^([^\s#'"{[\]},&*!|>%@`-][^:#]*?|-[^\s:#][^:#]*?)\s*:(?:\s|$)/;

function pathKey(parent: string, part: PropertyKey): string {
  return typeof part === "number"
    ? `${parent}[${part}]`
    : parent === ""
      ? String(part)
      : `${parent}.${String(part)}`;
}

/** Scans `text` once: O(length of the text). */
export function indexKeyLines(text: string): KeyLineIndex {
  const at = new Map<string, KeyPosition>();
  const stack: Open[] = [{ indent: -1, path: "", item: false, items: new Map() }];
  const top = () => stack[stack.length - 1] as Open;
  let scalarBelow = -1; // inside a block scalar (|, >): lines deeper than this are its text
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const raw = text.slice(start, end > start && text[end - 1] === "\r" ? end - 1 : end);
    start = end + 1;
    lineNo++;
    keyLineStats.linesScanned++;
    const body = raw.trimStart();
    if (body === "" || body.startsWith("#") || body === "---") continue;
    let col = raw.length - body.length;
    if (scalarBelow >= 0 && col > scalarBelow) continue;
    scalarBelow = -1;
    let rest = body;
    // List items: "- x", "- key: v", "- - x".
    while (rest === "-" || rest.startsWith("- ")) {
      while (top().indent > col || (top().indent === col && top().item)) stack.pop();
      const parent = top();
      const n = parent.items.get(col) ?? 0;
      parent.items.set(col, n + 1);
      const path = pathKey(parent.path, n);
      if (!at.has(path)) at.set(path, { line: lineNo, column: col + 1 });
      stack.push({ indent: col, path, item: true, items: new Map() });
      const after = rest.slice(1);
      const content = after.trimStart();
      col += 1 + after.length - content.length;
      rest = content;
    }
    const m = QUOTED_KEY.exec(rest) ?? PLAIN_KEY.exec(rest);
    if (!m) continue;
    const key = m.length === 3 ? (m[2] as string) : (m[1] as string).trimEnd();
    while (top().indent >= col) stack.pop();
    const path = pathKey(top().path, key);
    if (!at.has(path)) at.set(path, { line: lineNo, column: col + 1 });
    stack.push({ indent: col, path, item: false, items: new Map() });
    if (BLOCK_SCALAR.test(rest.slice(m[0].length).trim())) scalarBelow = col;
  }
  return {
    find(path) {
      for (let n = path.length; n > 0; n--) {
        let key = "";
        for (let i = 0; i < n; i++) key = pathKey(key, path[i] as PropertyKey);
        const hit = at.get(key);
        if (hit) return hit;
      }
      return undefined;
    },
  };
}

let memo: { text: string; index: KeyLineIndex } | undefined;

/** The position of `path` in `text`; the index of the last text asked about is kept. */
export function findKeyPosition(text: string, path: readonly PropertyKey[]): KeyPosition | undefined {
  if (memo?.text !== text) memo = { text, index: indexKeyLines(text) };
  return memo.index.find(path);
}
