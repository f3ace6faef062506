// schedule: parsing (valid and invalid entries), boundaries, and what decide() does outside.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseSchedule } from "../../src/config/schedule-parse.js";
import { inSchedule, localTimeOf } from "../../src/policy/index.js";
import { PolicySim, hostObs } from "../helpers/policy-sim.js";

const DAYS = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 } as const;
const at = (day: keyof typeof DAYS, hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return { weekday: DAYS[day], minuteOfDay: h * 60 + m };
};

describe("policy: parseSchedule", () => {
  it("parses the documented forms", () => {
    const [weeknights, weekend, list, daily, always, wrapDays] = parseSchedule([
      "Mon-Fri 19:00-07:00",
      "Sat-Sun",
      "Mon,Wed 08:00-12:00",
      "19:00-07:00",
      "*",
      "fri-MON",
    ]);
    assert.deepEqual(weeknights, {
      source: "Mon-Fri 19:00-07:00",
      days: [false, true, true, true, true, true, false],
      startMinute: 1140,
      endMinute: 420,
    });
    assert.deepEqual(weekend?.days, [true, false, false, false, false, false, true]);
    assert.deepEqual([weekend?.startMinute, weekend?.endMinute], [0, 1440]);
    assert.deepEqual(list?.days, [false, true, false, true, false, false, false]);
    assert.deepEqual([list?.startMinute, list?.endMinute], [480, 720]);
    assert.deepEqual(daily?.days, Array(7).fill(true));
    assert.deepEqual([always?.startMinute, always?.endMinute, always?.days.every(Boolean)], [0, 1440, true]);
    assert.deepEqual(wrapDays?.days, [true, true, false, false, false, true, true]);
    assert.deepEqual(
      parseSchedule(["Monday 00:00-24:00", "* 08:00-09:30", "Tue-Thu,Sat 9:05-9:10"]).map((w) => [
        w.startMinute,
        w.endMinute,
      ]),
      [
        [0, 1440],
        [480, 570],
        [545, 550],
      ],
    );
    assert.deepEqual(parseSchedule([]), []);
  });

  const invalid: [string, RegExp][] = [
    [
      "Mon-Fry 19:00-07:00",
      /^schedule entry "Mon-Fry 19:00-07:00": unknown day "Fry" \(use Mon, Tue, Wed, Thu, Fri, Sat, Sun\); write "\[days\] \[HH:MM-HH:MM\]"/,
    ],
    ["Mon-Fri 25:00-07:00", /^schedule entry "Mon-Fri 25:00-07:00": "25:00-07:00" has an invalid time/],
    ["Mon 19:60-20:00", /invalid time/],
    ["Mon 24:00-07:00", /24:00 only as an end/],
    ["Mon 19:00", /"19:00" is not a time range like 19:00-07:00/],
    ["Mon 08:00-08:00", /is empty \(start = end\)/],
    ["", /^schedule entry "": empty/],
    ["   ", /empty/],
    ["Mon Tue", /two day lists/],
    ["08:00-09:00 Mon", /days come before the time range/],
    ["Mon 08:00-09:00 10:00-11:00", /too many parts/],
    ["Mon,,Tue", /empty day/],
    ["Mon-Wed-Fri", /is not a day or a day range/],
    ["08:00-09:00 10:00-11:00", /two time ranges/],
  ];
  for (const [entry, message] of invalid) {
    it(`rejects ${JSON.stringify(entry)}`, () => {
      assert.throws(
        () => parseSchedule(["Sat-Sun", entry]),
        (err: Error) => {
          assert.match(err.message, message);
          assert.ok(err.message.includes(`"${entry}"`), "names the entry");
          return true;
        },
      );
    });
  }
});

describe("policy: inSchedule boundaries", () => {
  const windows = parseSchedule(["Mon-Fri 19:00-07:00", "Sat-Sun"]);
  const cases: [keyof typeof DAYS, string, boolean][] = [
    ["Mon", "18:59", false],
    ["Mon", "19:00", true],
    ["Tue", "06:59", true], // Monday's night
    ["Tue", "07:00", false],
    ["Mon", "06:59", false], // Sunday is in all day, until 24:00; Monday's night starts at 19:00
    ["Fri", "23:59", true],
    ["Sat", "06:59", true],
    ["Sat", "12:00", true],
    ["Sun", "23:59", true],
    ["Wed", "12:00", false],
  ];
  for (const [day, time, expected] of cases) {
    it(`${day} ${time}: ${expected ? "in" : "out"}`, () =>
      assert.equal(inSchedule(windows, at(day, time)), expected));
  }

  it("Monday before 07:00 is not in a Mon-Fri night window: it belongs to Sunday's night", () => {
    assert.equal(inSchedule(parseSchedule(["Mon-Fri 19:00-07:00"]), at("Mon", "06:59")), false);
    assert.equal(inSchedule(parseSchedule(["Mon-Fri 19:00-07:00"]), at("Sat", "06:59")), true);
    assert.equal(inSchedule(parseSchedule(["Mon-Fri 19:00-07:00"]), at("Sat", "07:00")), false);
  });

  it("Sunday -> Monday wrap and Saturday -> Sunday wrap", () => {
    const sunNight = parseSchedule(["Sun 22:00-02:00"]);
    assert.equal(inSchedule(sunNight, at("Sun", "21:59")), false);
    assert.equal(inSchedule(sunNight, at("Sun", "22:00")), true);
    assert.equal(inSchedule(sunNight, at("Mon", "00:00")), true);
    assert.equal(inSchedule(sunNight, at("Mon", "01:59")), true);
    assert.equal(inSchedule(sunNight, at("Mon", "02:00")), false);
    assert.equal(inSchedule(sunNight, at("Sat", "01:00")), false);
    const satNight = parseSchedule(["Sat 22:00-02:00"]);
    assert.equal(inSchedule(satNight, at("Sun", "01:00")), true);
    assert.equal(inSchedule(satNight, at("Mon", "01:00")), false);
  });

  it("daytime windows, lists, and an empty schedule (always)", () => {
    const w = parseSchedule(["Mon,Wed 08:00-12:00"]);
    assert.equal(inSchedule(w, at("Mon", "07:59")), false);
    assert.equal(inSchedule(w, at("Mon", "08:00")), true);
    assert.equal(inSchedule(w, at("Wed", "11:59")), true);
    assert.equal(inSchedule(w, at("Wed", "12:00")), false);
    assert.equal(inSchedule(w, at("Tue", "09:00")), false);
    assert.equal(inSchedule([], at("Tue", "09:00")), true);
    assert.equal(inSchedule(parseSchedule(["*"]), at("Tue", "09:00")), true);
    assert.equal(inSchedule(parseSchedule(["19:00-07:00"]), at("Tue", "03:00")), true);
    assert.equal(inSchedule(parseSchedule(["19:00-07:00"]), at("Tue", "12:00")), false);
  });

  it("takes local time from the observation's weekday, hour and minute", () => {
    assert.deepEqual(localTimeOf(hostObs({ weekday: 5, hour: 19, minute: 30 }), 0), {
      weekday: 5,
      minuteOfDay: 1170,
    });
    assert.deepEqual(localTimeOf(hostObs({ weekday: 0, hour: 7 }), 0), { weekday: 0, minuteOfDay: 420 });
  });
});

describe("policy: decide outside the schedule", () => {
  const schedule = parseSchedule(["Mon-Fri 19:00-07:00"]);
  const evening = hostObs({ weekday: 1, hour: 19, minute: 0 });
  const morning = hostObs({ weekday: 2, hour: 7, minute: 0 });

  it("starts inside, stops starting outside and leaves pilots alone without schedule_drain", () => {
    const sim = new PolicySim({ cfg: { schedule, scheduleDrain: false, maxDocks: 2 } });
    assert.equal(sim.step(hostObs({ weekday: 1, hour: 18, minute: 59 })).start, 0);
    assert.equal(sim.decisions.at(-1)?.mode, "outside-schedule");
    assert.deepEqual(sim.decisions.at(-1)?.explain, ["no start: outside the schedule"]);
    assert.equal(sim.step(evening).start, 2);
    sim.advance(12 * 3600);
    const d = sim.step(morning);
    assert.equal(d.start, 0);
    assert.deepEqual(d.kill, []);
    assert.equal(d.mode, "outside-schedule");
  });

  it("with schedule_drain kills every pilot outside (reason schedule)", () => {
    const sim = new PolicySim({
      cfg: { schedule, scheduleDrain: true, maxDocks: 2, suspendGraceSeconds: 600 },
    });
    sim.step(evening);
    sim.advance(12 * 3600);
    const d = sim.step(morning);
    assert.deepEqual(
      d.kill.map((k) => k.reason),
      ["schedule", "schedule"],
    );
    assert.equal(d.start, 0);
    assert.equal(sim.count(), 0);
  });
});
