// Finds the line of a key path in YAML text, so schema errors can say where they are.
// js-yaml returns plain objects without positions; a light scan of the text is enough
// for Plancton's mostly flat files: top-level keys, list items below them, and map keys.

export function findKeyPosition(text: string, path: readonly PropertyKey[]): { line: number; column: number } | undefined {
  const lines = text.split(/\r?\n/);
  let start = 0;
  let indent = -1;
  let found: { line: number; column: number } | undefined;
  for (const part of path) {
    const hit = typeof part === "number"
      ? findListItem(lines, start, indent, part)
      : findMapKey(lines, start, indent, String(part));
    if (!hit) break;
    found = { line: hit.index + 1, column: hit.indent + 1 };
    start = hit.index + (typeof part === "number" ? 0 : 1);
    indent = hit.indent;
  }
  return found;
}

function lineIndent(line: string): number {
  return line.length - line.trimStart().length;
}

function isContent(line: string): boolean {
  const t = line.trim();
  return t !== "" && !t.startsWith("#") && t !== "---";
}

function findMapKey(lines: string[], start: number, parentIndent: number, key: string): { index: number; indent: number } | undefined {
  const re = new RegExp(`^(-\\s+)?(["']?)${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\2\\s*:`);
  let keyColumn = -1; // the block's own key column: deeper lines are values or block scalars
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!isContent(line)) continue;
    const ind = lineIndent(line);
    if (i > start && ind <= parentIndent) return undefined; // left the parent block
    const dash = i === start ? (/^-\s+/.exec(line.trimStart())?.[0].length ?? 0) : 0;
    if (keyColumn === -1) keyColumn = ind + dash;
    if (ind + dash !== keyColumn) continue;
    const m = re.exec(line.trimStart());
    if (m) return { index: i, indent: ind + (m[1]?.length ?? 0) };
  }
  return undefined;
}

function findListItem(lines: string[], start: number, parentIndent: number, n: number): { index: number; indent: number } | undefined {
  let seen = -1;
  let itemIndent = -1;
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!isContent(line)) continue;
    const ind = lineIndent(line);
    if (i > start && ind < parentIndent) return undefined;
    if (i > start && ind === parentIndent && !line.trimStart().startsWith("-")) return undefined;
    if (line.trimStart().startsWith("- ") || line.trim() === "-") {
      if (itemIndent === -1) itemIndent = ind;
      if (ind === itemIndent && ++seen === n) return { index: i, indent: ind };
    }
  }
  return undefined;
}
