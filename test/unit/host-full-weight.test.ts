// Pause and kill run with the pilots' parent at a normal weight, then the idle weight is back.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { atFullWeight } from "../../src/host/index.js";

test("atFullWeight raises the weight for the call and restores it, even when the call fails", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "plancton-weight-"));
  try {
    const file = path.join(dir, "cpu.shares");
    await writeFile(file, "2\n");
    const weight = { file, idle: "2", normal: "1024" };
    const during = await atFullWeight(weight, async () => (await readFile(file, "utf8")).trim());
    assert.equal(during, "1024");
    assert.equal((await readFile(file, "utf8")).trim(), "2");
    await assert.rejects(
      atFullWeight(weight, async () => {
        throw new Error("pause failed");
      }),
      /pause failed/,
    );
    assert.equal((await readFile(file, "utf8")).trim(), "2");
    assert.equal(await atFullWeight(undefined, async () => 7), 7, "normal priority: nothing to raise");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
