// history_keep: rotated history files older than the retention go; the live file, newer
// rotations, other files and a link's target stay.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { pruneHistory } from "../../src/daemon/report/history-retention.js";

const dir = mkdtempSync(join(tmpdir(), "plancton-retention-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const DAY = 86_400_000;

describe("pruneHistory", () => {
  it("removes rotations last written before history_keep, nothing else", async () => {
    const now = Date.now();
    const old = new Date(now - 100 * DAY);
    for (const name of ["history.jsonl", "history.jsonl.1", "history.jsonl.7", "current.log"]) {
      writeFileSync(join(dir, name), "{}\n");
      utimesSync(join(dir, name), old, old);
    }
    writeFileSync(join(dir, "history.jsonl.2"), "{}\n"); // recent
    const outside = join(mkdtempSync(join(tmpdir(), "plancton-outside-")), "precious");
    writeFileSync(outside, "x");
    symlinkSync(outside, join(dir, "history.jsonl.9"));
    utimesSync(outside, old, old);
    const removed = await pruneHistory(dir, 90 * 86_400, now);
    assert.deepEqual(removed.sort(), ["history.jsonl.1", "history.jsonl.7"]);
    assert.ok(existsSync(join(dir, "history.jsonl")), "the live file stays");
    assert.ok(existsSync(join(dir, "history.jsonl.2")));
    assert.ok(existsSync(join(dir, "current.log")));
    assert.ok(existsSync(outside), "a link's target is never touched");
  });
});
