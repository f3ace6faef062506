// A string docker_cmd: split as a shell splits words, shell syntax refused with the fix.
import assert from "node:assert/strict";
import { test } from "node:test";
import { splitCommand } from "../../src/config/command-line.js";
import { parseConfigText } from "../../src/config/parse.js";
import { commandOf } from "../../src/daemon/loop/launch-spec.js";

test("quotes and backslashes group words; variables stay as written", () => {
  assert.deepEqual(commandOf('/bin/sh -c "echo hi; sleep 60"'), ["/bin/sh", "-c", "echo hi; sleep 60"]);
  assert.deepEqual(commandOf("echo 'a  b' c\\ d $HOME"), ["echo", "a  b", "c d", "$HOME"]);
  assert.deepEqual(commandOf("/bin/sleep 60"), ["/bin/sleep", "60"]);
  assert.deepEqual(commandOf(["sh", "-c", "a b"]), ["sh", "-c", "a b"]);
});

test("shell operators and open quotes are refused, saying what to write", () => {
  for (const op of ["a; b", "a | b", "a && b", "a > f"])
    assert.match(
      splitCommand(op).error ?? "",
      /is shell syntax and pilots run without a shell: write the command as a list/,
      op,
    );
  assert.match(splitCommand('sh -c "exit 3').error ?? "", /a double quote is not closed/);
  assert.throws(
    () => parseConfigText('docker_cmd: "sleep 1; sleep 2"\n', "c.yaml"),
    /c\.yaml:1:1: docker_cmd: "sleep 1; sleep 2": ";" is shell syntax/,
  );
});
