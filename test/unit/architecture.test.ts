// docs/ARCHITECTURE.md stays true: each room and each sub-room of daemon/ imports only what
// its row allows, every room is in the table, every src/ path the document names exists,
// and its checkable sentences hold: decide()'s signature, what triggers a tick, where the
// timers are. The one import-rule test: imports are read with TypeScript's parser.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SRC = path.join(ROOT, "src");
const DAEMON = path.join(SRC, "daemon");
const DOC = readFileSync(path.join(ROOT, "docs/ARCHITECTURE.md"), "utf8");

/** The text between <!-- name:begin ... --> and <!-- name:end -->. */
function section(name: string): string {
  const begin = DOC.indexOf(`<!-- ${name}:begin`);
  const end = DOC.indexOf(`<!-- ${name}:end`);
  assert.ok(begin >= 0 && end > begin, `docs/ARCHITECTURE.md has its ${name} markers`);
  return DOC.slice(begin, end);
}

/** Each row's first cell and the backquoted folders of its last cell. */
function table(name: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of section(name).split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    const room = /^`(\w+)\/`$/.exec(cells[1] ?? "")?.[1];
    if (room)
      map.set(
        room,
        [...(cells[3] ?? "").matchAll(/`([\w/.-]+)`/g)].map((m) => m[1]!),
      );
  }
  return map;
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
  );
}

/** Every module specifier: import/export ... from, import x = require(), import(), import("...").T. */
function specifiers(source: string): string[] {
  const file = ts.createSourceFile("f.ts", source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    )
      found.push(node.moduleSpecifier.text);
    if (ts.isExternalModuleReference(node) && ts.isStringLiteral(node.expression))
      found.push(node.expression.text);
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    )
      found.push(node.arguments[0].text);
    if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    )
      found.push(node.argument.literal.text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The files of ours `file` imports, relative to `base` (paths outside it start with ".."). */
function importedPaths(file: string, text: string, base: string): string[] {
  return specifiers(text)
    .filter((s) => s.startsWith("."))
    .map((s) => path.relative(base, path.resolve(path.dirname(file), s)).replace(/\.js$/, ".ts"));
}

/** The other rooms of src/ a file imports (src/vocabulary.ts, types only, is everyone's). */
function importedRooms(file: string, text: string): string[] {
  const own = path.relative(SRC, file).split(path.sep)[0];
  return importedPaths(file, text, SRC)
    .filter((t) => t.startsWith("..") || t.includes(path.sep))
    .map((t) => (t.startsWith("..") ? t : t.split(path.sep)[0]!))
    .filter((room) => room !== own);
}

/** The daemon's sub-rooms a file of a sub-room imports that its row does not allow. */
function daemonBreaches(file: string, text: string, rules: Map<string, string[]>): string[] {
  const rel = path.relative(DAEMON, file);
  const own = rel.split(path.sep)[0]!;
  const allowed = rules.get(own) ?? [];
  if (!rel.includes(path.sep) || allowed.some((a) => rel === a)) return []; // the wiring, or its exception
  return importedPaths(file, text, DAEMON)
    .filter((t) => !t.startsWith(".."))
    .filter((t) => {
      const room = t.includes(path.sep) ? t.split(path.sep)[0]! : "daemon.ts";
      return room !== own && !allowed.includes(`${room}/`) && !allowed.includes(t);
    })
    .map((t) => `src/daemon/${rel} imports ${t}`);
}

describe("docs/ARCHITECTURE.md", () => {
  const rooms = table("rooms");
  const subRooms = table("daemon-rooms");

  it("lists every room under src/, and only those", () => {
    const actual = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== "types")
      .map((e) => e.name)
      .sort();
    assert.deepEqual([...rooms.keys()].sort(), actual);
  });

  it("each room imports only the rooms its row allows", () => {
    const breaches: string[] = [];
    for (const file of files(SRC)) {
      const rel = path.relative(SRC, file);
      const allowed = rooms.get(rel.split(path.sep)[0]!)?.map((a) => a.replace(/\/$/, ""));
      if (!allowed) continue; // src/vocabulary.ts, src/types/*.d.ts
      for (const r of importedRooms(file, readFileSync(file, "utf8")))
        if (!allowed.includes(r)) breaches.push(`src/${rel} imports ${r}`);
    }
    assert.deepEqual([...new Set(breaches)], []);
  });

  it("lists every sub-room of daemon/; each imports only what its row allows", () => {
    const actual = readdirSync(DAEMON, { withFileTypes: true }).filter((e) => e.isDirectory());
    assert.deepEqual([...subRooms.keys()].sort(), actual.map((e) => e.name).sort());
    const breaches = files(DAEMON).flatMap((f) => daemonBreaches(f, readFileSync(f, "utf8"), subRooms));
    assert.deepEqual(breaches, []);
  });

  it("finds a breach (the checks can fail)", () => {
    const source = [
      'import { a } from "../host/index.js";',
      'const m = await import("../policy/x.js");',
      'type E = import("../runtime/engine.js").ContainerEngine;',
      'import type { Observation } from "../vocabulary.js";',
      'import { b } from "./remote/y.js";',
      'import { c } from "node:fs";',
    ].join("\n");
    assert.deepEqual(importedRooms(path.join(SRC, "config/x.ts"), source), ["host", "policy", "runtime"]);
    const ownerImportsLoop =
      'import { x } from "../loop/reconciler.js";\nimport { l } from "../loop/labels.js";';
    assert.deepEqual(daemonBreaches(path.join(DAEMON, "owners/x.ts"), ownerImportsLoop, subRooms), [
      "src/daemon/owners/x.ts imports loop/reconciler.ts",
    ]);
    const processImportsDaemon = 'import { Daemon } from "../daemon.js";';
    assert.equal(daemonBreaches(path.join(DAEMON, "process/x.ts"), processImportsDaemon, subRooms).length, 1);
  });

  it("every src/ path it names exists", () => {
    const named = [...DOC.matchAll(/`(src\/[\w/.-]+\.ts)`/g)].map((m) => m[1]!);
    assert.ok(named.length > 20);
    assert.deepEqual(
      named.filter((p) => !existsSync(path.join(ROOT, p))),
      [],
    );
  });

  it("names no file outside the repository", () => {
    assert.deepEqual(
      [...DOC.matchAll(/`(\.\.\/[^`]+)`/g)].map((m) => m[1]),
      [],
    );
  });

  it("gives decide()'s signature and its input's fields as the code has them", () => {
    const doc = section("decide");
    const signature = /`(decide\([^`]+)`/.exec(doc)?.[1];
    const decideTs = readFileSync(path.join(SRC, "policy/decide.ts"), "utf8");
    assert.ok(signature && decideTs.includes(`export function ${signature} {`), `${signature} in decide.ts`);
    const typesTs = readFileSync(path.join(SRC, "policy/policy-types.ts"), "utf8");
    const body = /export interface DecideInput \{([\s\S]*?)\n\}/.exec(typesTs)?.[1] ?? "";
    const fields = [...body.matchAll(/^\s+readonly (\w+)(\??):/gm)].map((m) => `${m[1]}${m[2]}`);
    const documented = /`\{ ([^}]+) \}`/.exec(doc)?.[1]?.split(", ");
    assert.deepEqual(documented, fields);
  });

  it("lists every cause of a tick the daemon has, and only those", () => {
    const documented = [...section("triggers").matchAll(/^- `([\w-]+)`/gm)].map((m) => m[1]!);
    const causes = new Set<string>();
    const patterns = [
      /(?:this\.request|this\.followUp)\(\s*"([\w-]+)"/g,
      /\bcause(?: = |: )"([\w-]+)"/g,
      /requeueCause(?:: |\?: )"([\w-]+)"(?: \| "([\w-]+)")?/g,
    ];
    for (const file of files(DAEMON)) {
      const text = readFileSync(file, "utf8");
      for (const re of patterns)
        for (const m of text.matchAll(re)) for (const c of m.slice(1)) if (c) causes.add(c);
    }
    assert.deepEqual(documented.sort(), [...causes].sort());
  });

  it("says where the timers are, and no other file of the daemon sets one", () => {
    const named = [...section("timers").matchAll(/`(src\/[\w/.-]+\.ts)`/g)].map((m) => m[1]!);
    const setting = files(DAEMON)
      .filter((f) => /\bset(?:Interval|Timeout)\(/.test(readFileSync(f, "utf8")))
      .map((f) => path.relative(ROOT, f));
    assert.deepEqual(setting.sort(), named.sort());
  });
});
