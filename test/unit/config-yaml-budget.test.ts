// YAML parsing refuses alias expansion beyond a small budget, recursive aliases and deep
// nesting, so a 400-byte document can never cost gigabytes to whatever walks it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../src/config/errors.js";
import { parseConfigText, parseYamlObject } from "../../src/config/parse.js";
import { billionLaughs } from "../helpers/hostile-remotes.js";
import { ALIAS_BUDGET, loadYamlBounded, YamlBudgetError } from "../../src/config/yaml-load.js";

const refused = (text: string, re: RegExp) =>
  assert.throws(
    () => parseYamlObject(text, "c.yaml"),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.message, re);
      assert.ok(err.message.length < 1000, "the message is short");
      return true;
    },
  );

test("a billion-laughs document is refused under any key, naming the alias bomb", () => {
  for (const key of ["capabilities", "user_group", "binds", "docker_env", "no_such_key"]) {
    const text = billionLaughs(key);
    assert.ok(text.length < 500, "small on disk");
    refused(text, /^c\.yaml:\d+: refused: aliases expand to more than 100000 nodes and characters/);
  }
});

test("a bomb of long strings and one of merge keys are refused too", () => {
  const s = "x".repeat(5000);
  refused(`s: &s "${s}"\nbinds: [${Array(30).fill("*s").join(",")}]\n`, /alias bomb/);
  const keys = Array.from({ length: 500 }, (_, i) => `k${i}: 1`).join(", ");
  refused(`a: &a {${keys}}\nb:\n${Array.from({ length: 400 }, () => "  <<: *a").join("\n")}\n`, /alias bomb/);
  refused(`a: &a {${keys}}\nb:\n  <<: [${Array(400).fill("*a").join(",")}]\n`, /alias bomb/);
});

test("the budget is exact: aliases up to it load, one unit more is refused", () => {
  // An alias to a 9-character string costs 10 units.
  const n = ALIAS_BUDGET / 10;
  const ok = `s: &s "123456789"\nl: [${Array(n).fill("*s").join(",")}]\n`;
  assert.equal((loadYamlBounded(ok, "c.yaml") as { l: string[] }).l.length, n);
  assert.throws(
    () =>
      loadYamlBounded(
        `s: &s "123456789"\nl: [${Array(n + 1)
          .fill("*s")
          .join(",")}]\n`,
        "c.yaml",
      ),
    YamlBudgetError,
  );
});

test("ordinary anchors and merges still load", () => {
  const raw = parseYamlObject(
    'base: &b {pull_every: 5m}\nconfig_git:\n  <<: *b\nbinds: &binds ["/a:/a"]\nx: *binds\n',
    "c.yaml",
  );
  assert.deepEqual(raw.config_git, { pull_every: "5m" });
  assert.deepEqual(raw.x, ["/a:/a"]);
});

test("a recursive alias is refused (a walker would loop forever)", () => {
  refused("x: &x [*x]\n", /recursive alias/);
  refused("x: &x {a: {b: *x}}\n", /recursive alias/);
});

test("nesting deeper than 32 levels is refused, not a stack overflow", () => {
  refused(`a: ${"[".repeat(5000)}${"]".repeat(5000)}\n`, /nested deeper than 32 levels/);
  refused(
    `a:\n${Array.from({ length: 200 }, (_, i) => `${" ".repeat(i + 1)}- `).join("\n")}x\n`,
    /nested deeper than 32 levels|invalid YAML/,
  );
  assert.doesNotThrow(() => parseYamlObject(`a: ${"[".repeat(20)}${"]".repeat(20)}\n`, "c.yaml"));
});

test("a config text with a bomb gives a ConfigError at start, never 'Invalid string length'", () => {
  assert.throws(
    () => parseConfigText(billionLaughs("capabilities"), "/etc/plancton/config.yaml"),
    ConfigError,
  );
});
