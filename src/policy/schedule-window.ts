// Whether a local time is inside `schedule`'s windows (parsed by config/schedule-parse.ts),
// and the local time parts of an observation.
import type { LocalTime, Observation, ScheduleWindow } from "./policy-types.js";

/** True when `time` is inside one of the windows; no windows = always. */
export function inSchedule(windows: readonly ScheduleWindow[], time: LocalTime): boolean {
  if (windows.length === 0) return true;
  const yesterday = (time.weekday + 6) % 7;
  for (const w of windows) {
    if (w.startMinute < w.endMinute) {
      if (
        w.days[time.weekday] === true &&
        time.minuteOfDay >= w.startMinute &&
        time.minuteOfDay < w.endMinute
      )
        return true;
    } else {
      // Over midnight: the evening part on the listed day, the morning part on the day after.
      if (w.days[time.weekday] === true && time.minuteOfDay >= w.startMinute) return true;
      if (w.days[yesterday] === true && time.minuteOfDay < w.endMinute) return true;
    }
  }
  return false;
}

/**
 * Local time parts for the schedule: from the observation's `weekday` (0 = Sunday),
 * `hour` and `minute` when the host provides them (the daemon's edge owns the time
 * zone), else from `nowMs` in the process's time zone.
 */
export function localTimeOf(obs: Observation, nowMs: number): LocalTime {
  const weekday = obs.weekday;
  const hour = obs.hour;
  if (weekday !== undefined && hour !== undefined && Number.isFinite(weekday) && Number.isFinite(hour)) {
    const minute = obs.minute !== undefined && Number.isFinite(obs.minute) ? obs.minute : 0;
    return { weekday: Math.floor(weekday), minuteOfDay: Math.floor(hour) * 60 + Math.floor(minute) };
  }
  const d = new Date(nowMs);
  return { weekday: d.getDay(), minuteOfDay: d.getHours() * 60 + d.getMinutes() };
}
