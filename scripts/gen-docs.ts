// Writes every document generated from code: the config JSON Schema and example,
// and the reference tables in docs/. `npm run gen-docs`; test/unit/docs-current.test.ts
// fails when a committed copy is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { withRemoteLimits } from "../src/config/remote/limits-doc.js";
import { generatedDocs } from "./generated-docs.js";

for (const [file, content] of Object.entries(generatedDocs())) {
  writeFileSync(new URL(`../${file}`, import.meta.url), content);
  console.log(`wrote ${file}`);
}

// README.md is hand-written but for its "Remote configuration limits" section.
const readme = new URL("../README.md", import.meta.url);
writeFileSync(readme, withRemoteLimits(readFileSync(readme, "utf8")));
console.log("wrote README.md (remote configuration limits)");
