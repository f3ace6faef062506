// Every line of src/ fits in Prettier's printWidth (110): Prettier cannot break long string
// literals, template literals or comments, so this test keeps them wrapped by hand.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SRC = path.join(ROOT, "src");
const MAX_WIDTH = 110;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(full);
    return e.isFile() && e.name.endsWith(".ts") ? [full] : [];
  });
}

describe("line width of src/", () => {
  it(`has no line over ${MAX_WIDTH} characters`, () => {
    const files = tsFiles(SRC);
    assert.ok(files.length > 0, "src/ holds .ts files");
    const offenders: string[] = [];
    for (const file of files) {
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (line.length > MAX_WIDTH)
            offenders.push(`${path.relative(ROOT, file)}:${i + 1} (${line.length} characters)`);
        });
    }
    assert.deepEqual(offenders, [], `lines over ${MAX_WIDTH} characters:\n${offenders.join("\n")}`);
  });
});
