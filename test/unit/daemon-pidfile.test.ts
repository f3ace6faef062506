import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { claimPidfile, readPidState, removePidfile } from "../../src/daemon/pidfile.js";

let dir: string;
before(async () => (dir = await mkdtemp(path.join(os.tmpdir(), "plancton-pid-"))));
after(() => rm(dir, { recursive: true, force: true }));

test("the first claim wins; a second daemon is told the PID", async () => {
  const file = path.join(dir, "a.pid");
  // A live process whose command line says plancton stands in for a running daemon.
  const other = spawn("sh", ["-c", "sleep 30", "plancton-test"], { stdio: "ignore" });
  try {
    await writeFile(file, `${other.pid}\n`);
    assert.deepEqual(await readPidState(file), { state: "running", pid: other.pid });
    assert.equal(await claimPidfile(file, 4242), other.pid);
    assert.equal((await readFile(file, "utf8")).trim(), String(other.pid), "the owner's pidfile is untouched");
  } finally {
    other.kill();
  }
});

test("a stale pidfile (dead PID, or a PID reused by another program) is taken over", async () => {
  const file = path.join(dir, "b.pid");
  await writeFile(file, "999999\n");
  assert.equal((await readPidState(file)).state, "stale");
  assert.equal(await claimPidfile(file, 4242), undefined);
  assert.equal((await readFile(file, "utf8")).trim(), "4242");
  await writeFile(file, "1\n"); // PID 1 lives but is not Plancton
  assert.equal((await readPidState(file)).state, "stale");
});

test("removePidfile leaves a newer daemon's pidfile alone", async () => {
  const file = path.join(dir, "c.pid");
  await writeFile(file, "5555\n");
  await removePidfile(file, 4242);
  assert.equal((await readFile(file, "utf8")).trim(), "5555");
  await removePidfile(file, 5555);
  assert.equal((await readPidState(file)).state, "absent");
});
