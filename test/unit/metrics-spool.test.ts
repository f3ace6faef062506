// The points a clean stop could not send, kept in the run dir: bounded in bytes (the newest
// kept), written without following a link, read back once and removed.
import assert from "node:assert/strict";
import { lstat, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { boundLines, saveUnsent, SPOOL_FILE, takeUnsent } from "../../src/daemon/report/metrics-spool.js";

test("bounded in bytes: the newest lines of each target are kept", () => {
  const lines = ["a 1", "b 2", "c 3", "d 4"]; // 3 bytes each, +4 counted per line
  assert.deepEqual(boundLines({ t: lines }, 21), { t: ["b 2", "c 3", "d 4"] });
  assert.deepEqual(boundLines({ t: lines, u: ["e 5"] }, 14), { t: ["c 3", "d 4"] }, "in target order");
});

test("saved 0600 through a planted link without following it, read back once, then gone", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "plancton-spool-"));
  try {
    const victim = path.join(dir, "victim");
    await writeFile(victim, "precious\n");
    await symlink(victim, path.join(dir, SPOOL_FILE));
    assert.equal(await saveUnsent(dir, { t: ["m v=1 1000"] }), 1);
    assert.equal(await readFile(victim, "utf8"), "precious\n");
    assert.equal(((await lstat(path.join(dir, SPOOL_FILE))).mode & 0o777).toString(8), "600");
    assert.deepEqual(await takeUnsent(dir), { t: ["m v=1 1000"] });
    assert.deepEqual(await takeUnsent(dir), {}, "removed once read");
    assert.equal(await saveUnsent(dir, {}), 0);
    await assert.rejects(lstat(path.join(dir, SPOOL_FILE)), "nothing to keep: no file");
    await writeFile(path.join(dir, SPOOL_FILE), "not json");
    assert.deepEqual(await takeUnsent(dir), {}, "a bad file is dropped");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
