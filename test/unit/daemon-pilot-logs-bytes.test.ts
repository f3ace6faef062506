// Kept pilot logs are bounded in bytes: each file, and the whole pilots/ directory (the
// oldest removed first), however long the pilot's lines.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, stat, truncate, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import { ByteTail } from "../../src/daemon/report/byte-tail.js";
import {
  keepPilotLog,
  pilotLogsWritten,
  PILOT_LOG_BYTES,
  PILOTS_DIR_BYTES,
  pilotLogFile,
} from "../../src/daemon/report/pilot-logs.js";
import type { ContainerEngine } from "../../src/runtime/index.js";

/** An engine whose only answer is a pilot's output: `lines` lines of `width` bytes. */
function printing(lines: number, width: number): ContainerEngine {
  const line = Buffer.from(`${"y".repeat(width - 1)}\n`);
  return {
    logs: async () => Readable.from(Array.from({ length: lines }, () => line)),
  } as unknown as ContainerEngine;
}

test("a byte tail keeps the last bytes, from a line's start", () => {
  const t = new ByteTail(10);
  for (const s of ["aaaa\n", "bbbb\n", "cccc\n", "dd\n"]) t.push(Buffer.from(s));
  assert.equal(t.result().toString(), "cccc\ndd\n");
  const small = new ByteTail(100);
  small.push(Buffer.from("one\ntwo\n"));
  assert.equal(small.result().toString(), "one\ntwo\n", "nothing cut: all of it");
});

test("a pilot printing 1,000 lines of 64 KiB keeps at most PILOT_LOG_BYTES", async () => {
  const logdir = await mkdtemp(path.join(os.tmpdir(), "plancton-pilotlogs-"));
  try {
    await keepPilotLog(printing(1000, 64 * 1024), "id", "wide", logdir);
    await pilotLogsWritten();
    const size = (await stat(pilotLogFile(logdir, "wide"))).size;
    assert.ok(size > 0 && size <= PILOT_LOG_BYTES, `kept ${size} bytes`);
  } finally {
    await rm(logdir, { recursive: true, force: true });
  }
});

test("the pilots/ directory stays under PILOTS_DIR_BYTES: the oldest go first", async () => {
  const logdir = await mkdtemp(path.join(os.tmpdir(), "plancton-pilotlogs-"));
  try {
    const dir = path.join(logdir, "pilots");
    await mkdir(dir);
    const each = 1024 * 1024; // sparse: the size counts, the disk is not used
    const n = PILOTS_DIR_BYTES / each;
    for (let i = 0; i < n; i++) {
      const f = path.join(dir, `old${String(i).padStart(3, "0")}.log`);
      await writeFile(f, "");
      await truncate(f, each);
      await utimes(f, 1000 + i, 1000 + i);
    }
    await keepPilotLog(printing(10, 100), "id", "newest", logdir);
    await pilotLogsWritten();
    const left = (await readdir(dir)).sort();
    assert.equal(left[0], "newest.log");
    assert.equal(left[1], "old001.log", "only the oldest went");
    assert.equal(left.length, n);
  } finally {
    await rm(logdir, { recursive: true, force: true });
  }
});
