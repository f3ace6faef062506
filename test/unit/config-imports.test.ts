// config/ imports nothing of ours but expr/ (docs: the rooms and what each may import).
// Reads the imports of every file under src/config, type-only ones and import() included.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import ts from "typescript";

const root = path.resolve(import.meta.dirname, "../..");
const src = path.join(root, "src");
const ALLOWED_ROOMS = ["config", "expr"];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

/** Every module specifier `source` names: import/export ... from, import x = require(), import(), import("...").T. */
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

/** The imports of `file` (a path under src/config) that reach a room of src/ other than config/ and expr/. */
function forbiddenImports(file: string, source: string): string[] {
  return specifiers(source).filter((spec) => {
    if (!spec.startsWith(".")) return false; // a package or a node: built-in
    const target = path.relative(src, path.resolve(path.dirname(file), spec));
    const room = target.split(path.sep)[0] ?? "";
    return target.startsWith("..") || !ALLOWED_ROOMS.includes(room);
  });
}

test("the check sees every kind of import of another room", () => {
  const file = path.join(src, "config/remote/x.ts");
  const source = [
    'import { a } from "../../host/variables.js";',
    'import type { B } from "../../policy/types.js";',
    'export { c } from "../../metrics/index.js";',
    'const d = await import("../../daemon/status.js");',
    'type E = import("../../runtime/engine.js").ContainerEngine;',
    'import f = require("../../cli/format.js");',
    'import { g } from "../../vocabulary.js";',
    'import { ok1 } from "../errors.js";',
    'import { ok2 } from "../../expr/index.js";',
    'import { ok3 } from "node:fs";',
    'import { ok4 } from "zod";',
  ].join("\n");
  assert.deepEqual(forbiddenImports(file, source), [
    "../../host/variables.js",
    "../../policy/types.js",
    "../../metrics/index.js",
    "../../daemon/status.js",
    "../../runtime/engine.js",
    "../../cli/format.js",
    "../../vocabulary.js",
  ]);
});

test("src/config imports nothing of ours but src/expr", () => {
  const hits = files(path.join(src, "config"))
    .filter((f) => f.endsWith(".ts"))
    .flatMap((f) =>
      forbiddenImports(f, readFileSync(f, "utf8")).map((spec) => `${path.relative(root, f)} imports ${spec}`),
    );
  assert.deepEqual(hits, []);
});
