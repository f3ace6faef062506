import assert from "node:assert/strict";
import { test } from "node:test";
import { textFormatter } from "../../src/daemon/process/log-text.js";

const line = (rec: Record<string, unknown>) =>
  textFormatter(false)(
    JSON.stringify({ level: 30, time: Date.UTC(2026, 0, 2, 3, 4, 5, 6), pid: 7, hostname: "h", ...rec }),
  );

test("a record is one line: time, level, message, key=value extras (quoted when they need it)", () => {
  const out = line({
    level: 40,
    msg: "pull of x failed",
    image: "x:1",
    ms: 12,
    note: "two words",
    list: [1, 2],
  });
  assert.match(
    out,
    /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:05\.006[+-]\d{4}\] WARN: pull of x failed image=x:1 ms=12 note="two words" list=\[1,2\]\n$/,
  );
  assert.doesNotMatch(out, /pid|hostname/);
});

test("a multi-line message or extra stays on one line", () => {
  const out = line({
    msg: "configuration rejected:\nconfig.yaml:3: main_sleep: bad\nconfig.yaml:4: x: bad",
    err: "Error: boom\n    at f (a.js:1)",
  });
  assert.equal(out.split("\n").length, 2, out);
  assert.match(
    out,
    /INFO: configuration rejected: \| config\.yaml:3: main_sleep: bad \| config\.yaml:4: x: bad err="Error: boom\\n {4}at f \(a\.js:1\)"\n$/,
  );
});
