// docs/ARCHITECTURE.md stays true: each room imports only what its row allows, every
// room is in the table, and every src/ path the document names exists.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
const DOC = readFileSync(path.join(ROOT, "docs/ARCHITECTURE.md"), "utf8");

function rooms(): Map<string, Set<string>> {
  const table = DOC.slice(DOC.indexOf("<!-- rooms:begin"), DOC.indexOf("<!-- rooms:end"));
  const map = new Map<string, Set<string>>();
  for (const line of table.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    const room = /^`(\w+)\/`$/.exec(cells[1] ?? "")?.[1];
    if (room) map.set(room, new Set([...(cells[3] ?? "").matchAll(/`(\w+)\/`/g)].map((m) => m[1]!)));
  }
  return map;
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
  );
}

/** The other rooms a file imports from (static and dynamic imports, export ... from). */
function importedRooms(file: string, text: string): string[] {
  const src = path.join(ROOT, "src");
  const own = path.relative(src, file).split(path.sep)[0];
  const found: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)["'](\.{1,2}\/[^"']+)["']/g)) {
    const target = path.relative(src, path.resolve(path.dirname(file), m[1]!));
    const room = target.split(path.sep)[0]!;
    if (!target.startsWith("..") && target.includes(path.sep) && room !== own) found.push(room);
  }
  return found;
}

describe("docs/ARCHITECTURE.md", () => {
  const table = rooms();

  it("lists every room under src/, and only those", () => {
    const actual = readdirSync(path.join(ROOT, "src"), { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== "types")
      .map((e) => e.name)
      .sort();
    assert.deepEqual([...table.keys()].sort(), actual);
  });

  it("each room imports only the rooms its row allows", () => {
    const breaches: string[] = [];
    for (const file of files(path.join(ROOT, "src"))) {
      const rel = path.relative(path.join(ROOT, "src"), file);
      const room = rel.split(path.sep)[0]!;
      const allowed = table.get(room);
      if (!allowed) continue; // src/vocabulary.ts, src/types/*.d.ts
      for (const r of importedRooms(file, readFileSync(file, "utf8")))
        if (!allowed.has(r)) breaches.push(`src/${rel} imports ${r}/`);
    }
    assert.deepEqual([...new Set(breaches)], []);
  });

  it("finds a breach (the check can fail)", () => {
    assert.deepEqual(
      importedRooms(
        path.join(ROOT, "src/config/x.ts"),
        'import { a } from "../host/index.js";\nconst m = await import("../policy/x.js");',
      ),
      ["host", "policy"],
    );
    assert.deepEqual(
      importedRooms(
        path.join(ROOT, "src/config/x.ts"),
        'import type { Observation } from "../vocabulary.js";\nimport { b } from "./remote/y.js";',
      ),
      [],
    );
  });

  it("every src/ path it names exists", () => {
    const named = [...DOC.matchAll(/`(src\/[\w/.-]+\.ts)`/g)].map((m) => m[1]!);
    assert.ok(named.length > 20);
    assert.deepEqual(
      named.filter((p) => !existsSync(path.join(ROOT, p))),
      [],
    );
  });
});
