// Which fleet command is in force on a host: the newest of its own and the all-hosts one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeCommand, encodeCommand, newer } from "../../src/fleet/command.js";

const cmd = (action: "drain" | "resume", revision: string) =>
  decodeCommand(encodeCommand(action, "r", "root@adm", 5), revision);

test("a command round-trips with its revision; malformed values are ignored", () => {
  assert.deepEqual(cmd("drain", "12"), {
    action: "drain",
    reason: "r",
    who: "root@adm",
    atMs: 5,
    revision: "12",
  });
  assert.equal(decodeCommand('{"action":"reboot"}', "3"), undefined);
  assert.equal(decodeCommand("{", "3"), undefined);
  assert.equal(decodeCommand("null", "3"), undefined);
  assert.deepEqual(decodeCommand('{"action":"resume","who":7}', "4"), {
    action: "resume",
    reason: "",
    who: "?",
    atMs: 0,
    revision: "4",
  });
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
