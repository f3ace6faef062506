// /proc/pressure/memory: the parser, and the sampler's memory stall variables.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { HostSampler } from "../../src/host/sampler.js";
import {
  parsePressure,
  procReaders,
  type MemPressure,
  type ProcReaders,
} from "../../src/host/proc-readers.js";
import { fakeProcReaders, GiB } from "../helpers/fake-proc-readers.js";

const PSI =
  "some avg10=12.50 avg60=3.10 avg300=0.70 total=123456789\nfull avg10=1.00 avg60=0.20 avg300=0.05 total=2345678\n";
function fakeReaders(psi: () => MemPressure | Error | undefined): ProcReaders {
  return psi() === undefined
    ? fakeProcReaders()
    : fakeProcReaders({
        memPressure: async () => {
          const v = psi();
          if (v instanceof Error) throw v;
          return v!;
        },
      });
}

describe("memory pressure (PSI)", () => {
  it("parses the some line; rejects text without one, saying what it read", () => {
    assert.deepEqual(parsePressure(PSI), { someAvg10Percent: 12.5, someTotalUs: 123456789 });
    assert.throws(
      () => parsePressure("full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"),
      /\/proc\/pressure\/memory: no "some avg10=\.\.\. total=\.\.\." line in "full avg10/,
    );
  });

  it("procReaders reads <procRoot>/pressure/memory", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "plancton-psi-"));
    try {
      mkdirSync(path.join(root, "pressure"));
      writeFileSync(path.join(root, "pressure", "memory"), PSI);
      assert.deepEqual(await procReaders(root).memPressure?.(), {
        someAvg10Percent: 12.5,
        someTotalUs: 123456789,
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("mem_stall_some is the stalled share of the last interval; the first sample uses avg10; sampled_at_ms is the sample's time", async () => {
    let now = 1_000_000;
    let psi: MemPressure = { someAvg10Percent: 20, someTotalUs: 5_000_000 };
    const sampler = new HostSampler({
      readers: fakeReaders(() => psi),
      pilotCpu: { sample: () => 0 },
      diskPaths: ["/"],
      clock: () => now,
      startedAtMs: now,
    });
    const none = { running: [], paused: [] };
    const first = await sampler.sample(none);
    assert.equal(first.mem_stall_some, 0.2);
    assert.equal(first.mem_psi_some_avg10, 20);
    assert.equal(first.sampled_at_ms, 1_000_000);
    now += 2000;
    psi = { someAvg10Percent: 21, someTotalUs: 5_000_000 + 1_500_000 }; // 1.5 s stalled in 2 s
    const second = await sampler.sample(none);
    assert.equal(second.mem_stall_some, 0.75);
    assert.equal(second.sampled_at_ms, 1_002_000);
    now += 2000;
    const third = await sampler.sample(none);
    assert.equal(third.mem_stall_some, 0, "no stall since");
  });

  it("a kernel without PSI: the variables read 0 and the error is reported, the rest is sampled", async () => {
    const sampler = new HostSampler({
      readers: fakeReaders(
        () => new Error("ENOENT: no such file or directory, open '/proc/pressure/memory'"),
      ),
      pilotCpu: { sample: () => 0 },
      diskPaths: ["/"],
      clock: () => 5,
      startedAtMs: 0,
    });
    const o = await sampler.sample({ running: [], paused: [] });
    assert.equal(o.mem_stall_some, 0);
    assert.equal(o.mem_psi_some_avg10, 0);
    assert.equal(o.mem_available_bytes, 4 * GiB);
    assert.deepEqual(
      sampler.lastErrors.map((e) => e.source),
      ["mem_psi"],
    );
    const without = new HostSampler({
      readers: fakeReaders(() => undefined),
      pilotCpu: { sample: () => 0 },
      diskPaths: ["/"],
      clock: () => 5,
      startedAtMs: 0,
    });
    assert.equal((await without.sample({ running: [], paused: [] })).mem_stall_some, 0);
    assert.deepEqual(without.lastErrors, []);
  });
});
