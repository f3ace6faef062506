// Config is data, not code: no eval, new Function or node:vm anywhere in src/.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

test("src/ has no eval, new Function or node:vm", () => {
  const src = path.resolve(import.meta.dirname, "../../src");
  const hits = files(src).filter((f) => /(^|[^.\w])eval\(|new Function|node:vm/.test(readFileSync(f, "utf8")));
  assert.deepEqual(hits, []);
});
