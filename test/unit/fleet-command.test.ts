// Which fleet command is in force on a host: the newest of its own and the all-hosts one;
// a value that is not a command (junk, unknown fields, too long) changes nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeApplied,
  decodeCommand,
  encodeCommand,
  inForce,
  isMalformed,
  newer,
  type CommandEntry,
} from "../../src/fleet/command.js";
import type { FleetCommand } from "../../src/fleet/fleet-types.js";

const cmd = (action: "drain" | "resume", revision: string) =>
  decodeCommand(encodeCommand(action, "r", "root@adm", 5), revision) as FleetCommand;

test("a command round-trips with its revision; malformed values say why", () => {
  assert.deepEqual(cmd("drain", "12"), {
    action: "drain",
    reason: "r",
    who: "root@adm",
    atMs: 5,
    revision: "12",
  });
  for (const v of ['{"action":"reboot"}', "{", "null", '{"action":"resume","who":7}'])
    assert.ok(isMalformed(decodeCommand(v, "3")), v);
  assert.deepEqual(decodeCommand('{"action":"resume"}', "4"), {
    action: "resume",
    reason: "",
    who: "?",
    atMs: 0,
    revision: "4",
  });
});

test("who and reason: control characters removed, cut to 256; unknown fields and values over 4 KiB refused", () => {
  const c = decodeCommand(
    JSON.stringify({
      action: "drain",
      who: "\u001b[31mroot@admin-console\u001b[0m",
      reason: "x".repeat(1000),
    }),
    "7",
  ) as FleetCommand;
  assert.equal(c.who, "[31mroot@admin-console[0m");
  assert.equal(c.reason.length, 256);
  assert.match(c.reason, /…$/);
  const extra = decodeCommand('{"action":"drain","exec":"rm -rf /"}', "8");
  assert.ok(isMalformed(extra));
  assert.match(extra.malformed, /exec/);
  const huge = decodeCommand(JSON.stringify({ action: "drain", reason: "y".repeat(1_400_000) }), "9");
  assert.ok(isMalformed(huge));
  assert.match(huge.malformed, /over 4096/);
  assert.ok(huge.malformed.length < 100, "the refusal is bounded");
});

test("a malformed value keeps the command in force: the older drain does not come back", () => {
  const all = cmd("drain", "100");
  const own = cmd("resume", "101");
  const junk: CommandEntry = { malformed: "not JSON", revision: "102" };
  assert.equal(inForce(own, all, undefined)?.action, "resume");
  // own overwritten with junk while resume(101) was applied: resume stays.
  assert.equal(inForce(junk, all, own), own);
  // at registration (the applied copy from the run dir), junk newest: the applied one or the newer other.
  assert.equal(inForce(junk, all, cmd("drain", "50")), all);
  assert.equal(inForce(junk, all, undefined), all);
  assert.equal(inForce(junk, { ...junk, revision: "99" }, undefined), undefined);
  // a newer valid command after the junk wins.
  assert.equal(inForce(junk, cmd("resume", "103"), own)?.revision, "103");
});

test("drain --all then resume one host: that host resumes, a later resume --all wins over both", () => {
  const all = cmd("drain", "100");
  const own = cmd("resume", "101");
  assert.equal(newer(own, all)?.action, "resume");
  assert.equal(newer(all, own)?.action, "resume");
  assert.equal(newer(own, cmd("resume", "102"))?.revision, "102");
  assert.equal(newer(undefined, all), all);
  assert.equal(newer(undefined, undefined), undefined);
  // Revisions are int64: compared as numbers, not as strings ("99" < "100").
  assert.equal(newer(cmd("drain", "99"), cmd("resume", "100"))?.action, "resume");
  assert.equal(newer(cmd("drain", "9007199254740993"), cmd("resume", "9007199254740992"))?.action, "drain");
});

test("the run dir's copy of the applied command is checked as a command", () => {
  assert.deepEqual(decodeApplied({ ...cmd("drain", "5") }), cmd("drain", "5"));
  assert.equal(decodeApplied({ action: "drain", revision: "x" }), undefined);
  assert.equal(decodeApplied({ ...cmd("drain", "5"), reason: "z".repeat(300) })?.reason.length, 256);
  assert.equal(decodeApplied(null), undefined);
});
