// The desktop's variables through the sampler: present when their source answers, ABSENT
// (with the source named once per sample) when it does not, windows like the others; the
// fast input watch sees the count move.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DesktopSources, LOGIND_INTERVAL_MS, type DesktopReaders } from "../../src/host/desktop-sources.js";
import { InputWatch } from "../../src/host/input-watch.js";
import { HostSampler } from "../../src/host/sampler.js";
import type { SessionCounts } from "../../src/host/logind-sessions.js";
import type { PowerSupply } from "../../src/host/power-supply.js";

const T0 = 1_440_000_000_000;

class FakeDesktop implements DesktopReaders {
  count = 100;
  lines = ["1:i8042"];
  irqFails = false;
  logind: SessionCounts | Error = { local: 1, remote: 2, idleSeconds: 30 };
  logindCalls = 0;
  supply: PowerSupply | Error = { onBattery: 1, batteryPercent: 50 };
  interrupts = async () => {
    if (this.irqFails) throw new Error("EACCES: /proc/interrupts");
    return { count: this.count, lines: this.lines };
  };
  sessions = async (): Promise<SessionCounts> => {
    this.logindCalls++;
    if (this.logind instanceof Error) throw this.logind;
    return this.logind;
  };
  power = async (): Promise<PowerSupply> => {
    if (this.supply instanceof Error) throw this.supply;
    return this.supply;
  };
}

function sampler(fake: FakeDesktop, clock: { now: number }): HostSampler {
  return new HostSampler({
    readers: {
      cpuTimes: async () => ({ busyTicks: 0, totalTicks: 100, ncpus: 2 }),
      loadAverage: async () => ({ load1: 0, load5: 0, load15: 0 }),
      memInfo: async () => ({ memTotalBytes: 1, memAvailableBytes: 1, swapTotalBytes: 0, swapFreeBytes: 0 }),
      diskSpace: async () => ({ freeBytes: 1, totalBytes: 2, freeRatio: 0.5 }),
    },
    pilotCpu: { sample: () => 0 },
    diskPaths: ["/"],
    clock: () => clock.now,
    startedAtMs: T0,
    desktop: new DesktopSources(fake),
  });
}
const none = { running: [], paused: [] };

describe("host: desktop sources through the sampler", () => {
  it("every source answers: the five variables and their windows", async () => {
    const clock = { now: T0 };
    const s = sampler(new FakeDesktop(), clock);
    clock.now += 40_000;
    const o = await s.sample(none);
    // Interrupts: idle since the first read (0 s); logind: 30 s. The least idle wins.
    assert.equal(o.input_idle, 0);
    assert.deepEqual([o.input_sessions, o.remote_sessions, o.on_battery, o.battery_percent], [1, 2, 1, 50]);
    assert.equal(o.on_battery_5m, 1);
    assert.equal(o.input_idle_1m, 0);
    assert.deepEqual(s.lastErrors, []);
  });

  it("input_idle grows while the count stands still and drops to 0 when it moves", async () => {
    const clock = { now: T0 };
    const fake = new FakeDesktop();
    fake.logind = { local: 0, remote: 0 }; // no local session: the interrupts alone
    const s = sampler(fake, clock);
    await s.sample(none);
    clock.now += 90_000;
    assert.equal((await s.sample(none)).input_idle, 90);
    fake.count += 2; // a key pressed and released
    clock.now += 2_000;
    assert.equal((await s.sample(none)).input_idle, 0);
  });

  it("missing sources: their variables absent (not 0), each named; the rest stays", async () => {
    const clock = { now: T0 };
    const fake = new FakeDesktop();
    fake.lines = [];
    fake.count = 0;
    fake.logind = new Error("loginctl not found");
    fake.supply = new Error("ENOENT: /sys/class/power_supply");
    const s = sampler(fake, clock);
    const o = await s.sample(none);
    for (const name of ["input_idle", "input_sessions", "remote_sessions", "on_battery", "battery_percent"]) {
      assert.equal(name in o, false, name);
      assert.equal(`${name}_5m` in o, false, `${name}_5m`);
    }
    assert.equal(o.ncpus, 2);
    assert.deepEqual(
      s.lastErrors.map((e) => [e.source, e.absent]),
      [
        ["input_interrupts", true],
        ["logind", true],
        ["power_supply", true],
      ],
    );
    assert.match(s.lastErrors[0]!.message, /no input device line/);
  });

  it("a desktop without a battery: on_battery 0, battery_percent absent and said", async () => {
    const fake = new FakeDesktop();
    fake.supply = { onBattery: 0 };
    const o = await sampler(fake, { now: T0 }).sample(none);
    assert.equal(o.on_battery, 0);
    assert.equal("battery_percent" in o, false);
  });

  it("a source that comes back: present again; one gone: absent again, never stale", async () => {
    const clock = { now: T0 };
    const fake = new FakeDesktop();
    const s = sampler(fake, clock);
    assert.equal((await s.sample(none)).on_battery, 1);
    fake.supply = new Error("EIO");
    clock.now += 2000;
    assert.equal("on_battery" in (await s.sample(none)), false);
    fake.supply = { onBattery: 0, batteryPercent: 99 };
    clock.now += 2000;
    assert.equal((await s.sample(none)).on_battery, 0);
  });

  it("logind is asked at most every LOGIND_INTERVAL_MS; its idle time ages meanwhile", async () => {
    const clock = { now: T0 };
    const fake = new FakeDesktop();
    fake.lines = [];
    const s = sampler(fake, clock);
    await s.sample(none);
    clock.now += LOGIND_INTERVAL_MS / 2;
    const o = await s.sample(none);
    assert.equal(fake.logindCalls, 1);
    assert.equal(o.input_idle, 30 + LOGIND_INTERVAL_MS / 2000);
    clock.now += LOGIND_INTERVAL_MS;
    await s.sample(none);
    assert.equal(fake.logindCalls, 2);
  });

  it("a logind that keeps failing is asked at a doubling interval, back to 5 s once it answers", async () => {
    const clock = { now: T0 };
    const fake = new FakeDesktop();
    fake.logind = new Error("System has not been booted with systemd as init system (PID 1)");
    const s = sampler(fake, clock);
    const calls: number[] = [];
    for (let t = 0; t <= 80_000; t += 1000) {
      clock.now = T0 + t;
      await s.sample(none);
      await new Promise((r) => setImmediate(r)); // the background refresh settles
      calls.push(fake.logindCalls);
    }
    // Asked at 0, then 10 s (5 s doubled once), 20 s more, 40 s more: 4 times in 80 s, not 17.
    assert.equal(fake.logindCalls, 4, `calls over time: ${calls.join(",")}`);
    fake.logind = { local: 1, remote: 0, idleSeconds: 3 };
    clock.now += 80_000;
    await s.sample(none); // answers: failures reset
    await new Promise((r) => setImmediate(r));
    const answered = fake.logindCalls;
    clock.now += LOGIND_INTERVAL_MS;
    await s.sample(none);
    assert.equal(fake.logindCalls, answered + 1, "every 5 s again");
  });
});

describe("host: the fast input watch", () => {
  it("calls onInput when the count moves, not when it stands; a failing read is quiet", async () => {
    const fake = new FakeDesktop();
    const sources = new DesktopSources(fake);
    let inputs = 0;
    const watch = new InputWatch(
      sources,
      () => inputs++,
      () => T0,
    );
    await watch.poll(); // the first read sets the mark
    await watch.poll();
    assert.equal(inputs, 1);
    fake.count += 1;
    await watch.poll();
    await watch.poll();
    assert.equal(inputs, 2);
    fake.irqFails = true;
    await watch.poll();
    assert.equal(inputs, 2);
    watch.start();
    assert.equal(watch.running, true);
    watch.stop();
    assert.equal(watch.running, false);
  });

  it("someone typing for long: at most one call per minGapMs, the first key at once", async () => {
    const fake = new FakeDesktop();
    const clock = { now: T0 };
    let inputs = 0;
    const watch = new InputWatch(
      new DesktopSources(fake),
      () => inputs++,
      () => clock.now,
    );
    watch.minGapMs = 2000;
    await watch.poll(); // the first read
    inputs = 0;
    clock.now += 60_000; // a quiet minute, then a key: at once
    fake.count += 1;
    await watch.poll();
    assert.equal(inputs, 1);
    for (let i = 0; i < 40; i++) {
      clock.now += 250; // typing: the count moves at every poll for 10 s
      fake.count += 2;
      await watch.poll();
    }
    assert.equal(inputs, 1 + 10000 / 2000);
    watch.stop();
    assert.equal(watch.running, false);
  });
});
