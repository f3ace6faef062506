// Parses `schedule`: time-of-day windows when pilots may start (BOINC's "do work only between").
//
// An entry is "[days] [HH:MM-HH:MM]", at least one of the two, or "*" (always):
//   "Mon-Fri 19:00-07:00"  weeknights; a window whose end is not after its start runs
//                          over midnight into the next day, so Friday's night ends on
//                          Saturday 07:00 and Monday 00:00-07:00 is not in it (it
//                          belongs to Sunday's night, and Sunday is not listed)
//   "Sat-Sun"              all day on Saturday and Sunday
//   "Mon,Wed 08:00-12:00"  a list of days or day ranges ("Mon-Wed,Fri"); ranges wrap ("Fri-Mon")
//   "19:00-07:00"          every day
// Start is inclusive, end exclusive; "24:00" is allowed as an end. Days are Mon..Sun
// (or full names), any case. Times are local; the policy (policy/schedule-window.ts) tells whether a local
// time is inside.

/** One time-of-day window of `schedule`. */
export interface ScheduleWindow {
  /** The entry as written, for messages. */
  readonly source: string;
  /** days[weekday] (0 = Sunday): the window starts on that day. */
  readonly days: readonly boolean[];
  /** Minutes after local midnight, start inclusive. */
  readonly startMinute: number;
  /** Minutes after local midnight, end exclusive; <= startMinute means the window ends the next day. */
  readonly endMinute: number;
}

const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const FULL_DAY_NAMES = [
  "sunday",
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
] as const;
const MINUTES_PER_DAY = 1440;
const ALL_DAYS: readonly boolean[] = Object.freeze([true, true, true, true, true, true, true]);

/** Parses `schedule` entries; throws an Error naming the bad entry and saying what is expected. */
export function parseSchedule(entries: readonly string[]): ScheduleWindow[] {
  return entries.map(parseEntry);
}

function parseEntry(entry: string): ScheduleWindow {
  const fail = (why: string): never => {
    throw new Error(
      `schedule entry "${entry}": ${why}; write "[days] [HH:MM-HH:MM]", e.g. "Mon-Fri ` +
        `19:00-07:00", "Sat-Sun", "Mon,Wed 08:00-12:00", "19:00-07:00" or "*"`,
    );
  };
  const tokens = entry
    .trim()
    .split(/\s+/)
    .filter((t) => t !== "");
  if (tokens.length === 0) fail("empty");
  if (tokens.length > 2) fail(`too many parts (${tokens.length})`);
  let days: readonly boolean[] | undefined;
  let minutes: { start: number; end: number } | undefined;
  for (const token of tokens) {
    if (/\d/.test(token)) {
      if (minutes !== undefined) fail(`two time ranges ("${token}")`);
      minutes = parseTimeRange(token, fail);
    } else {
      if (days !== undefined) fail(`two day lists ("${token}")`);
      if (minutes !== undefined) fail("days come before the time range");
      days = token === "*" ? ALL_DAYS : parseDays(token, fail);
    }
  }
  return {
    source: entry,
    days: days ?? ALL_DAYS,
    startMinute: minutes?.start ?? 0,
    endMinute: minutes?.end ?? MINUTES_PER_DAY,
  };
}

function parseDays(text: string, fail: (why: string) => never): boolean[] {
  const days = [false, false, false, false, false, false, false];
  for (const item of text.split(",")) {
    if (item === "") fail(`empty day in "${text}"`);
    const range = item.split("-");
    if (range.length > 2) fail(`"${item}" is not a day or a day range like Mon-Fri`);
    const from = dayIndex(range[0] ?? "", fail);
    const to = range.length === 2 ? dayIndex(range[1] ?? "", fail) : from;
    // Ranges wrap around the week: Fri-Mon = Fri, Sat, Sun, Mon.
    for (let d = from; ; d = (d + 1) % 7) {
      days[d] = true;
      if (d === to) break;
    }
  }
  return days;
}

function dayIndex(name: string, fail: (why: string) => never): number {
  const lower = name.toLowerCase();
  let i = (DAY_NAMES as readonly string[]).indexOf(lower);
  if (i < 0) i = (FULL_DAY_NAMES as readonly string[]).indexOf(lower);
  if (i < 0) fail(`unknown day "${name}" (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)`);
  return i;
}

function parseTimeRange(text: string, fail: (why: string) => never): { start: number; end: number } {
  const m = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) return fail(`"${text}" is not a time range like 19:00-07:00`);
  const start = clock(Number(m[1]), Number(m[2]), false, text, fail);
  const end = clock(Number(m[3]), Number(m[4]), true, text, fail);
  if (start === end) fail(`"${text}" is empty (start = end); leave the time out for all day`);
  return { start, end };
}

function clock(
  hour: number,
  minute: number,
  isEnd: boolean,
  text: string,
  fail: (why: string) => never,
): number {
  if (minute > 59 || hour > 24 || (hour === 24 && (minute !== 0 || !isEnd))) {
    fail(`"${text}" has an invalid time (hours 00-23, minutes 00-59; 24:00 only as an end)`);
  }
  return hour * 60 + minute;
}
