// Writes every document generated from code: the config JSON Schema and example,
// and the reference tables in docs/. `npm run gen-docs`; test/unit/docs-current.test.ts
// fails when a committed copy is stale.
import { writeFileSync } from "node:fs";
import { generatedDocs } from "./generated-docs.js";

for (const [file, content] of Object.entries(generatedDocs())) {
  writeFileSync(new URL(`../${file}`, import.meta.url), content);
  console.log(`wrote ${file}`);
}
