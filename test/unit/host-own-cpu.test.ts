// OwnCpuMeter's bookkeeping on a fake /proc (the real engine: test/integration/host-own-cpu.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { OwnCpuMeter } from "../../src/host/own-cpu.js";

/** A fake /proc: pid -> [comm, ticks (utime), start (ticks since boot), ppid], and the uptime. */
function fakeProc() {
  const procs = new Map<number, [string, number, number, number?]>();
  const clock = { ms: 1_000_000, uptimeS: 5000 };
  const stat = (pid: number, [comm, ticks, start, ppid]: [string, number, number, number?]) =>
    `${pid} (${comm}) S ${ppid ?? 1} 1 1 0 -1 0 0 0 0 0 ${ticks} 0 0 0 20 0 1 0 ${start} 0 0`;
  const read = (path: string): string | undefined => {
    if (path === "/proc/uptime") return `${clock.uptimeS} 0`;
    const m = /^\/proc\/(\d+)\/(comm|stat)$/.exec(path);
    const p = m ? procs.get(Number(m[1])) : undefined;
    if (!m || !p) return undefined;
    return m[2] === "comm" ? `${p[0]}\n` : stat(Number(m[1]), p);
  };
  const list = () => [...procs.keys()].map(String).concat(["self", "stat"]);
  const meter = new OwnCpuMeter({
    read,
    list,
    now: () => clock.ms,
    selfMs: () => 0,
    tailMs: 1000,
  });
  return { procs, clock, meter };
}

test("only the engine's CPU while it works for the daemon counts, new processes from birth", () => {
  const { procs, clock, meter } = fakeProc();
  procs.set(10, ["dockerd", 5000, 100]);
  procs.set(11, ["containerd", 3000, 100]);
  procs.set(12, ["bash", 900, 100]); // not the engine's
  procs.get(10)![1] += 50; // the engine idle for the daemon (the owner's docker ps): not counted
  assert.equal(meter.totalMs(), 0);

  meter.begin(); // baselines: dockerd 5050, containerd 3000
  clock.ms += 300;
  clock.uptimeS += 0.3;
  procs.get(10)![1] += 20;
  procs.set(13, ["containerd-shim", 25, 5000 * 100 + 10]); // born during the launch: all of it
  procs.get(12)![1] += 500;
  meter.end();
  assert.equal(meter.totalMs(), (20 + 25) * 10);

  clock.ms += 500; // within the tail: the engine finishing its work is still the daemon's
  procs.get(11)![1] += 3;
  procs.delete(13); // the shim gone: its last reading was counted
  assert.equal(meter.totalMs(), (20 + 25 + 3) * 10);

  clock.ms += 2000; // past the tail: the engine's CPU is the owner's again
  procs.get(10)![1] += 100;
  assert.equal(meter.totalMs(), 480);
  meter.begin(); // a new operation takes new baselines: the idle 100 ticks are not counted
  procs.get(10)![1] += 1;
  assert.equal(meter.totalMs(), 490);
});

test("a process the scan had not seen, born before it, counts from now on, not its past", () => {
  const { procs, clock, meter } = fakeProc();
  meter.begin();
  procs.set(20, ["conmon", 700, 10]); // old, missed by the first scan
  clock.ms += 100;
  assert.equal(meter.totalMs(), 0);
  procs.get(20)![1] += 4;
  assert.equal(meter.totalMs(), 40);
});

test("a reaped runc's CPU, read while it lived, is not counted again in its parent's cutime", () => {
  const { procs, clock, meter } = fakeProc();
  procs.set(30, ["containerd-shim", 10, 100]);
  meter.begin();
  clock.uptimeS += 0.1;
  procs.set(31, ["runc", 20, 5000 * 100 + 5, 30]); // born during the launch
  assert.equal(meter.totalMs(), 200);
  procs.get(31)![1] = 26; // 6 more ticks, then reaped: the shim's cutime grows by all 26
  procs.delete(31);
  procs.get(30)![1] += 26 + 2;
  // The shim's jump (28) less what was counted of runc (20): runc's last 6 ticks and the shim's 2.
  assert.equal(meter.totalMs(), 200 + (6 + 2) * 10, "runc's CPU counted once");
});
