// A full log disk, on a real 64 KiB tmpfs: the log and the history drop what the disk
// refuses, count it, never throw, and write again once space is back.
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";
import { createLogger } from "../../src/daemon/process/logger.js";
import { claimPidfile, removePidfile } from "../../src/daemon/process/pidfile.js";
import { DiskFaults, diskFaults } from "../../src/daemon/process/disk-faults.js";
import { HistoryLog, type PilotRecord } from "../../src/daemon/report/history.js";
import { keepPilotLog, pilotLogsWritten, readPilotLog } from "../../src/daemon/report/pilot-logs.js";
import type { ContainerEngine } from "../../src/runtime/index.js";
import { mountSmallTmpfs, type SmallTmpfs } from "../helpers/small-tmpfs.js";
import { waitFor } from "../helpers/wait.js";

let base: string;
const mounts: SmallTmpfs[] = [];

before(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), "plancton-diskfull-"));
});

after(async () => {
  for (const m of mounts) m.unmount();
  await rm(base, { recursive: true, force: true });
});

function tmpfs(name: string, size = "64k"): SmallTmpfs {
  const m = mountSmallTmpfs(path.join(base, name), size);
  mounts.push(m);
  return m;
}

test("the log on a full disk: lines dropped and counted, no 'error' thrown, written again once freed", async () => {
  // Room for what the log holds back while the disk is full (LOG_BUFFER_BYTES), once freed.
  const disk = tmpfs("log", "256k");
  const faults = new DiskFaults();
  const logger = await createLogger({ logdir: disk.dir, stderr: false, level: "info", faults });
  logger.info("before the disk is full");
  await waitFor("the first line written", async () =>
    (await readFile(path.join(disk.dir, "current.log"), "utf8")).includes("before the disk"),
  );
  disk.fill();
  for (let i = 0; i < 3000; i++) logger.info(`line ${i} ${"x".repeat(100)}`);
  const note = await waitFor("the fault counted", () => faults.notes()[0]);
  assert.match(note, /^log disk full since \d{4}-\d\d-\d\dT[\d:.]+Z: \d+ lines dropped$/);
  assert.ok(Number(/(\d+) lines/.exec(faults.notes()[0]!)![1]) > 0, "lines were dropped");
  disk.free();
  // The first line after may still find the held-back buffer full (dropped): it makes it try again.
  await waitFor("the log writing again", async () => {
    logger.info("after the disk has room again");
    return (await readFile(path.join(disk.dir, "current.log"), "utf8")).includes("after the disk has room");
  });
  await waitFor("the fault cleared", () => faults.notes().length === 0);
  const text = await readFile(path.join(disk.dir, "current.log"), "utf8");
  assert.match(text, /log disk writable again: \d+ lines dropped since/);
});

test("history on a disk that fills and frees: a torn record never swallows the next one", async () => {
  const disk = tmpfs("history");
  const faults = new DiskFaults();
  const history = new HistoryLog(disk.dir, undefined, undefined, faults);
  const rec = (i: number): PilotRecord => ({
    id: `id${i}`.padEnd(64, "0"),
    name: `p${i}`,
    image: "plancton/busybox:local",
    startedAtMs: i,
    endedAtMs: i,
    uptimeSeconds: 0,
    exitCode: 0,
    reason: `exited ${"r".repeat(2900)}`, // ~3 KB: a 4 KiB page never holds a whole second one
  });
  for (let i = 0; i < 5; i++) await history.append(rec(i));
  disk.fill(); // the history file's last page has room for part of a record, not all of it
  await history.append(rec(5));
  assert.match(faults.notes()[0] ?? "", /^log disk full since .*: 1 lines dropped$/);
  disk.free();
  for (let i = 6; i < 11; i++) await history.append(rec(i));
  const names = (await history.read()).map((r) => r.name);
  assert.deepEqual(names, ["p0", "p1", "p2", "p3", "p4", "p6", "p7", "p8", "p9", "p10"]);
  assert.deepEqual(faults.notes(), []);
});

test("a pilot's log on a full disk: dropped and counted (no temp file left), kept again once freed", async () => {
  const disk = tmpfs("pilots");
  const faults = new DiskFaults();
  // The pilot's output (the engine is not what is tested here: the disk is).
  const engine = {
    logs: async () => Readable.from([Buffer.from(`${"z".repeat(8000)}\n`)]),
  } as unknown as ContainerEngine;
  disk.fill();
  await keepPilotLog(engine, "id", "p1", disk.dir, faults);
  await pilotLogsWritten();
  assert.match(faults.notes()[0] ?? "", /^log disk full since .*: 1 lines dropped$/);
  disk.free();
  assert.deepEqual(await readdir(path.join(disk.dir, "pilots")), [], "no temp file left behind");
  await keepPilotLog(engine, "id", "p2", disk.dir, faults);
  await pilotLogsWritten();
  assert.equal((await readPilotLog(disk.dir, "p2"))?.length, 8001);
  assert.deepEqual(faults.notes(), []);
});

test("the pidfile on a full run dir: the daemon still owns it (the lock does), the write counted", async () => {
  const disk = tmpfs("run");
  disk.fill();
  const pidfile = path.join(disk.dir, "plancton.pid");
  try {
    assert.equal(await claimPidfile(pidfile, { rundir: disk.dir }), undefined, "owned, not refused");
    assert.match(diskFaults.notes().join("\n"), /^run dir disk full since .*: 1 writes dropped$/m);
    assert.deepEqual(
      (await readdir(disk.dir)).filter((n) => n.endsWith(".tmp")),
      [],
      "no temp file left behind",
    );
  } finally {
    await removePidfile(pidfile);
  }
});
