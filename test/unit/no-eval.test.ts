// Config is data, not code: no eval, Function or vm anywhere in src/.
// Two guards: a syntax-tree scan of every source file (below), and the eslint rules
// (no-eval, no-implied-eval, no-new-func, no-restricted-imports), both checked here
// against the same list of offending snippets.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ESLint } from "eslint";
import ts from "typescript";

const root = path.resolve(import.meta.dirname, "../..");

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

const VM = new Set(["vm", "node:vm"]);

function isCallee(node: ts.Node): boolean {
  const p = node.parent;
  return (ts.isCallExpression(p) || ts.isNewExpression(p)) && p.expression === node;
}

/** What in `source` runs text as code, as "line: what" strings (empty: clean). */
function codeRunners(source: string): string[] {
  const file = ts.createSourceFile("snippet.ts", source, ts.ScriptTarget.Latest, true);
  const hits: string[] = [];
  const hit = (node: ts.Node, what: string) =>
    hits.push(`${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}: ${what}`);
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node.text === "eval") hit(node, "eval"); // direct, globalThis.eval, (0, eval), aliases
    if (
      ts.isIdentifier(node) &&
      node.text === "Function" &&
      (isCallee(node) || ts.isPropertyAccessExpression(node.parent))
    )
      hit(node, "Function");
    if (ts.isStringLiteral(node) && VM.has(node.text)) {
      const p = node.parent;
      const imported = (ts.isImportDeclaration(p) || ts.isExportDeclaration(p)) && p.moduleSpecifier === node;
      const required =
        ts.isCallExpression(p) &&
        (p.expression.kind === ts.SyntaxKind.ImportKeyword ||
          (ts.isIdentifier(p.expression) && p.expression.text === "require"));
      const importEquals = ts.isExternalModuleReference(p);
      if (imported || required || importEquals) hit(node, `module ${node.text}`);
    }
    if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      /^set(Timeout|Interval|Immediate)$/.test(node.expression.text)
    ) {
      const first = node.arguments[0];
      if (
        first &&
        (ts.isStringLiteral(first) ||
          ts.isTemplateExpression(first) ||
          ts.isNoSubstitutionTemplateLiteral(first))
      )
        hit(node, `${node.expression.text}(string)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return hits;
}

/** The check this file made before: a regex on the raw text. */
const oldRegex = /(^|[^.\w])eval\(|new Function|node:vm/;

const OFFENDING: Array<{ snippet: string; oldRegexSawIt: boolean }> = [
  { snippet: "eval(text);", oldRegexSawIt: true },
  { snippet: "globalThis.eval(text);", oldRegexSawIt: false },
  { snippet: "(0, eval)(text);", oldRegexSawIt: false },
  { snippet: "const run = eval;\nrun(text);", oldRegexSawIt: false },
  { snippet: "new Function(text);", oldRegexSawIt: true },
  { snippet: "Function(text)();", oldRegexSawIt: false },
  { snippet: "Function.call(null, text);", oldRegexSawIt: false },
  { snippet: 'import vm from "vm";\nvm.runInNewContext(text);', oldRegexSawIt: false },
  { snippet: 'import { runInNewContext } from "node:vm";\nrunInNewContext(text);', oldRegexSawIt: true },
  { snippet: 'const vm = require("vm");\nvm.runInNewContext(text);', oldRegexSawIt: false },
  { snippet: 'const vm = await import("vm");\nvm.runInNewContext(text);', oldRegexSawIt: false },
  { snippet: 'export { runInThisContext } from "vm";', oldRegexSawIt: false },
  { snippet: 'setTimeout("process.exit(1)", 10);', oldRegexSawIt: false },
];

const INNOCENT = [
  "evaluate(ast, vars);",
  "node.evaluated = true;",
  "// we never eval config, nor build a new Function from it, nor use vm",
  'const message = "no eval( here, nor node:vm";',
  "type Callback = Function;",
  'import { readFile } from "node:fs";',
  "setTimeout(() => tick(), 10);",
];

test("the scan flags every offending snippet", () => {
  for (const { snippet } of OFFENDING)
    assert.notDeepEqual(codeRunners(snippet), [], `not flagged: ${snippet}`);
});

test("the scan leaves innocent code alone", () => {
  for (const snippet of INNOCENT) assert.deepEqual(codeRunners(snippet), [], `flagged: ${snippet}`);
});

test("the old regex missed what the scan catches now", () => {
  for (const { snippet, oldRegexSawIt } of OFFENDING)
    assert.equal(oldRegex.test(snippet), oldRegexSawIt, snippet);
  assert.ok(OFFENDING.some((o) => !o.oldRegexSawIt));
});

test("src/ runs no text as code", () => {
  const hits = files(path.join(root, "src"))
    .filter((f) => f.endsWith(".ts"))
    .flatMap((f) => codeRunners(readFileSync(f, "utf8")).map((h) => `${path.relative(root, f)}:${h}`));
  assert.deepEqual(hits, []);
});

test("eslint's config flags every offending snippet", async () => {
  const eslint = new ESLint({ cwd: root });
  const house =
    /^(no-eval|no-new-func|no-implied-eval|@typescript-eslint\/no-implied-eval|no-restricted-imports|no-restricted-syntax)$/;
  for (const { snippet } of OFFENDING) {
    // A .js path: outside the typed project, so the core rules answer (the typed block is for .ts).
    const [result] = await eslint.lintText(`const text = "1";\n${snippet}\n`, {
      filePath: path.join(root, "src/snippet.js"),
    });
    const rules = (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
    assert.ok(
      rules.some((r) => house.test(r)),
      `eslint did not flag: ${snippet} (said: ${rules.join(", ") || "nothing"})`,
    );
  }
});
