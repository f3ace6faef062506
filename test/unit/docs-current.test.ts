// Generated documents must match the code they come from: run `npm run gen-docs`.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { generatedDocs } from "../../scripts/generated-docs.js";

test("generated documents are current", () => {
  for (const [file, content] of Object.entries(generatedDocs())) {
    let committed = "";
    try {
      committed = readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
    } catch {
      assert.fail(`${file} is missing: run npm run gen-docs`);
    }
    assert.equal(committed, content, `${file} is stale: run npm run gen-docs`);
  }
});
