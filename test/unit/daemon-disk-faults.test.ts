// Writes the disk refuses (ENOSPC, EIO): dropped, counted, shown once per area, cleared by
// the next good write; the log file's errors never reach node's "unhandled 'error'".
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { guardLogFile } from "../../src/daemon/process/log-file-guard.js";
import { DiskFaults } from "../../src/daemon/process/disk-faults.js";
import { HistoryLog, type PilotRecord } from "../../src/daemon/report/history.js";
import type { AppendableFile } from "../../src/daemon/report/whole-line-append.js";

const T0 = Date.parse("2026-12-06T05:00:00Z");
const enospc = () => Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });

test("one line per failing area, counted, cleared by the next good write", () => {
  const faults = new DiskFaults(() => T0);
  const recovered: string[] = [];
  faults.onRecovery((r) => recovered.push(`${r.area}:${r.dropped}`));
  assert.equal(faults.failed("log", enospc()), true);
  assert.equal(faults.failed("log", Object.assign(new Error("io"), { code: "EIO" }), 2), true);
  faults.dropped("log", 4);
  assert.equal(faults.failed("run dir", Object.assign(new Error("no"), { code: "EACCES" })), false);
  assert.deepEqual(faults.notes(), [
    "log disk failing (EIO) since 2026-12-06T05:00:00.000Z: 7 lines dropped",
  ]);
  faults.succeeded("log");
  assert.deepEqual(faults.notes(), []);
  assert.deepEqual(recovered, ["log:7"]);
  faults.succeeded("log");
  assert.deepEqual(recovered, ["log:7"], "told once");
});

test("the log file's error is counted, not thrown; a dropped line makes it try again", () => {
  const faults = new DiskFaults(() => T0);
  const stream = Object.assign(new EventEmitter(), { writes: [] as string[] });
  const others: Error[] = [];
  guardLogFile(Object.assign(stream, { write: (d: string) => (stream.writes.push(d), true) }), faults, (e) =>
    others.push(e),
  );
  stream.emit("error", enospc()); // no listener would throw here
  stream.emit("drop", "a\nb\n");
  assert.deepEqual(faults.notes(), ["log disk full since 2026-12-06T05:00:00.000Z: 2 lines dropped"]);
  assert.deepEqual(stream.writes, [""], "an empty write: sonic-boom tries its buffer again");
  stream.emit("error", new Error("EBADF"));
  assert.equal(others.length, 1);
  stream.emit("drain");
  assert.deepEqual(faults.notes(), []);
});

/** A real file whose appends the "disk" cuts short: half the bytes written, then ENOSPC. */
async function fullDiskFile(file: string, full: () => boolean): Promise<AppendableFile> {
  const fh = await open(file, "a+");
  return {
    stat: () => fh.stat(),
    read: (buf, off, len, pos) => fh.read(buf, off, len, pos),
    close: () => fh.close(),
    appendFile: async (data) => {
      if (!full()) return fh.appendFile(data);
      await fh.appendFile(data.slice(0, Math.floor(data.length / 2)));
      throw enospc();
    },
  };
}

const rec = (i: number): PilotRecord => ({
  id: `id${i}`,
  name: `p${i}`,
  image: "img",
  startedAtMs: i,
  endedAtMs: i,
  uptimeSeconds: 0,
  exitCode: 0,
  reason: "exited",
});

test("history: a record torn by a full disk is dropped and counted; the next one reads back whole", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "plancton-history-full-"));
  try {
    const faults = new DiskFaults(() => T0);
    let n = 0;
    const history = new HistoryLog(dir, undefined, undefined, faults, (f) => fullDiskFile(f, () => n === 5));
    for (n = 0; n < 11; n++) {
      await history.append(rec(n));
      if (n === 5) assert.match(faults.notes()[0] ?? "", /^log disk full since .*: 1 lines dropped$/);
    }
    const back = (await history.read()).map((r) => r.name);
    assert.deepEqual(back, ["p0", "p1", "p2", "p3", "p4", "p6", "p7", "p8", "p9", "p10"]);
    assert.deepEqual(faults.notes(), [], "the next good append ended the fault");
    assert.match(await readFile(history.file, "utf8"), /\n\{"id":"id6"/, "p6 starts a line of its own");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
