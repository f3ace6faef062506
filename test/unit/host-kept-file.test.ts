// readKept on real files: fresh text on each read through the kept descriptor, a missing
// file reported unreadable, and the descriptors bounded.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { keptCount, readKept } from "../../src/host/kept-file.js";

test("a kept descriptor reads the kernel's current text each time", async () => {
  const first = Number(readKept("/proc/uptime")?.split(" ")[0]);
  await new Promise((r) => setTimeout(r, 50));
  const second = Number(readKept("/proc/uptime")?.split(" ")[0]);
  assert.ok(second > first, `uptime moved on: ${first} then ${second}`);
});

test("a missing file is unreadable; at most 256 descriptors stay open", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kept-"));
  try {
    const f = path.join(dir, "value");
    writeFileSync(f, "1\n");
    assert.equal(readKept(f), "1\n");
    assert.equal(readKept(path.join(dir, "missing")), undefined);
    for (let i = 0; i < 300; i++) {
      writeFileSync(path.join(dir, `f${i}`), `${i}`);
      assert.equal(readKept(path.join(dir, `f${i}`)), `${i}`);
    }
    assert.ok(keptCount() <= 256, `${keptCount()} descriptors kept`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
