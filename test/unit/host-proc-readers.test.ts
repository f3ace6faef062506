import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  procReaders,
  diskSpaceFromStatfs,
  parseLoadavg,
  parseMeminfo,
  parseProcStat,
} from "../../src/host/proc-readers.js";

const PROC_STAT = `cpu  10132153 290696 3084719 46828483 16683 0 25195 0 175628 0
cpu0 1393280 32966 572056 13343292 6130 0 17875 0 23933 0
cpu1 1335940 34245 553958 13425054 5187 0 3451 0 29286 0
intr 1462898 123 0 0
ctxt 115315
btime 1713958800
processes 11134
procs_running 1
`;

const MEMINFO = `MemTotal:       16314156 kB
MemFree:          512000 kB
MemAvailable:    8157078 kB
Buffers:          100000 kB
Cached:          4000000 kB
SwapCached:            0 kB
SwapTotal:       2097148 kB
SwapFree:        1048574 kB
HugePages_Total:       0
`;

describe("proc parsers", () => {
  it("parses the aggregate cpu line of /proc/stat: busy = total - idle - iowait, guest not counted twice", () => {
    const t = parseProcStat(PROC_STAT);
    const total = 10132153 + 290696 + 3084719 + 46828483 + 16683 + 0 + 25195 + 0;
    assert.equal(t.totalTicks, total);
    assert.equal(t.busyTicks, total - 46828483 - 16683);
    assert.equal(t.ncpus, 2);
  });

  it("accepts an old kernel's short cpu line and rejects a file without one", () => {
    assert.deepEqual(parseProcStat("cpu 1 2 3 4\ncpu0 1 2 3 4\n"), {
      busyTicks: 6,
      totalTicks: 10,
      ncpus: 1,
    });
    assert.throws(() => parseProcStat("intr 1 2 3\n"), /aggregate/);
  });

  it("parses /proc/loadavg", () => {
    assert.deepEqual(parseLoadavg("0.52 1.25 2.00 3/412 12345\n"), { load1: 0.52, load5: 1.25, load15: 2 });
    assert.throws(() => parseLoadavg("garbage"), /loadavg/);
  });

  it("parses /proc/meminfo in bytes", () => {
    assert.deepEqual(parseMeminfo(MEMINFO), {
      memTotalBytes: 16314156 * 1024,
      memAvailableBytes: 8157078 * 1024,
      swapTotalBytes: 2097148 * 1024,
      swapFreeBytes: 1048574 * 1024,
    });
  });

  it("estimates MemAvailable on kernels without it, and needs MemTotal", () => {
    const old = MEMINFO.replace(/^MemAvailable.*\n/m, "");
    assert.equal(parseMeminfo(old).memAvailableBytes, (512000 + 100000 + 4000000) * 1024);
    assert.throws(() => parseMeminfo("SwapTotal: 0 kB\n"), /MemTotal/);
  });

  it("computes disk space from statfs: free = bavail * bsize, ratio = bavail / blocks", () => {
    assert.deepEqual(diskSpaceFromStatfs({ bsize: 4096, blocks: 1000, bavail: 250 }), {
      freeBytes: 250 * 4096,
      totalBytes: 1000 * 4096,
      freeRatio: 0.25,
    });
    assert.equal(diskSpaceFromStatfs({ bsize: 4096, blocks: 0, bavail: 0 }).freeRatio, 0);
  });
});

describe("procReaders", () => {
  const dir = mkdtempSync(join(tmpdir(), "plancton-proc-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a /proc given as root, and statfs of a real path", async () => {
    writeFileSync(join(dir, "stat"), PROC_STAT);
    writeFileSync(join(dir, "loadavg"), "1.00 2.00 3.00 1/100 42\n");
    writeFileSync(join(dir, "meminfo"), MEMINFO);
    const r = procReaders(dir);
    assert.equal((await r.cpuTimes()).ncpus, 2);
    assert.equal((await r.loadAverage()).load15, 3);
    assert.equal((await r.memInfo()).memTotalBytes, 16314156 * 1024);
    const disk = await r.diskSpace(dir);
    assert.ok(disk.freeBytes > 0 && disk.totalBytes >= disk.freeBytes);
    assert.ok(disk.freeRatio > 0 && disk.freeRatio <= 1);
  });

  it("rejects (does not throw synchronously) when a file or path is missing", async () => {
    const r = procReaders(join(dir, "nope"));
    await assert.rejects(r.cpuTimes(), /ENOENT/);
    await assert.rejects(r.diskSpace(join(dir, "gone")), /ENOENT/);
  });
});
