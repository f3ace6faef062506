import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { claimPidfile, procIdentity, readPidState, removePidfile } from "../../src/daemon/process/pidfile.js";
import { waitFor } from "../helpers/wait.js";

let dir: string;
before(async () => (dir = await mkdtemp(path.join(os.tmpdir(), "plancton-pid-"))));
after(() => rm(dir, { recursive: true, force: true }));

/** A live process whose command line says plancton, standing in for a stranger. */
async function stranger(): Promise<ChildProcess> {
  const child = spawn("sleep", ["30"], { argv0: "plancton-ish", stdio: "ignore" });
  await waitFor(
    "the stranger's /proc entry",
    () => procIdentity(child.pid!)?.argv[0] === "plancton-ish",
    10_000,
  );
  return child;
}

test("procIdentity reads the start time past a command name with spaces and parentheses", async () => {
  const odd = path.join(dir, "a) (b c");
  await copyFile("/bin/sleep", odd);
  const child = spawn(odd, ["30"], { stdio: "ignore", argv0: "x" });
  try {
    await waitFor("the process", () => procIdentity(child.pid!)?.argv[0] === "x", 10_000);
    const mine = procIdentity(process.pid)!;
    const id = procIdentity(child.pid!)!;
    assert.match(id.startTime, /^\d+$/);
    assert.ok(
      Number(id.startTime) >= Number(mine.startTime),
      `the child started after us: ${id.startTime} vs ${mine.startTime}`,
    );
    assert.deepEqual(id.argv, ["x", "30"]);
  } finally {
    child.kill();
  }
});

test("a process whose command line merely contains plancton is not the daemon", async () => {
  const file = path.join(dir, "a.pid");
  const other = await stranger();
  try {
    const id = procIdentity(other.pid!)!;
    await writeFile(file, `${other.pid}\n`); // the old format: a PID alone
    assert.equal((await readPidState(file)).state, "stale");
    await writeFile(
      file,
      `${other.pid}\n${JSON.stringify({ startTime: String(Number(id.startTime) - 1), argv: id.argv })}\n`,
    );
    assert.equal((await readPidState(file)).state, "stale", "another start time: the PID was reused");
    await writeFile(
      file,
      `${other.pid}\n${JSON.stringify({ startTime: id.startTime, argv: [...id.argv, "nodaemon"] })}\n`,
    );
    assert.equal((await readPidState(file)).state, "stale", "another argv");
    await writeFile(file, `${other.pid}\n${JSON.stringify({ startTime: id.startTime, argv: id.argv })}\n`);
    assert.deepEqual(
      await readPidState(file),
      { state: "running", pid: other.pid, rundir: undefined },
      "the exact identity",
    );
  } finally {
    other.kill();
  }
});

test("a stale pidfile is taken over; a second claim is told the holder; release frees it", async () => {
  const file = path.join(dir, "b.pid");
  await writeFile(file, "999999\n");
  assert.equal((await readPidState(file)).state, "stale");
  assert.equal(await claimPidfile(file, { rundir: dir }), undefined);
  const [first, second] = (await readFile(file, "utf8")).split("\n");
  assert.equal(first, String(process.pid));
  assert.deepEqual(JSON.parse(second!), { ...procIdentity(process.pid), rundir: dir });
  assert.deepEqual(await readPidState(file), { state: "running", pid: process.pid, rundir: dir });
  assert.equal(await claimPidfile(file), process.pid, "the lock is held: the holder says who it is");
  await removePidfile(file);
  assert.equal((await readPidState(file)).state, "absent");
  assert.equal(await claimPidfile(file), undefined, "the lock was let go");
  await removePidfile(file);
});

test("removePidfile leaves a newer daemon's pidfile alone", async () => {
  const file = path.join(dir, "c.pid");
  await writeFile(file, "5555\n");
  await removePidfile(file, 4242);
  assert.equal((await readFile(file, "utf8")).trim(), "5555");
  await removePidfile(file, 5555);
  assert.equal((await readPidState(file)).state, "absent");
});
