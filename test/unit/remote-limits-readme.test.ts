// README's "Remote configuration limits" is generated from the privileges table: it must
// be current (npm run gen-docs), and name every rule the code enforces.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { LIMITS_BEGIN, LIMITS_END, remoteLimitsSection } from "../../src/config/remote/limits-doc.js";
import { LOCAL_ONLY_KEYS, REMOTE_KEY_RULES } from "../../src/config/remote/privileges.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

test("README's remote configuration limits are the generated ones: run npm run gen-docs", () => {
  const begin = readme.indexOf(LIMITS_BEGIN);
  const end = readme.indexOf(LIMITS_END);
  assert.ok(begin >= 0 && end > begin, "README.md has the generated section's markers: run npm run gen-docs");
  assert.equal(
    readme.slice(begin, end + LIMITS_END.length),
    remoteLimitsSection(),
    "README.md's remote limits are stale: run npm run gen-docs",
  );
});

test("the section names every local-only and every privileged key, and the local file's switch", () => {
  const section = remoteLimitsSection();
  for (const rule of REMOTE_KEY_RULES)
    assert.match(section, new RegExp(`^\\| \`${rule.key}\` \\|`, "m"), rule.key);
  for (const key of LOCAL_ONLY_KEYS)
    assert.match(section, new RegExp(`\`${key}\` \\| nothing \\| any value: local file only`), key);
  assert.match(section, /allow_remote_privileges: true/);
});
