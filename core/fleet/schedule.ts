/**
 * Schedule evaluation: when a claw should be parked or awake, in its own IANA time zone. Pure
 * functions over luxon; the Functions host runs in UTC (WEBSITE_TIME_ZONE is not supported on the
 * Flex Consumption plan), so every local-time rule is resolved here.
 *
 * A `scheduled` claw wakes at `wakeAt` on each of `days` and parks at `parkAt` the same day, or the
 * next day when `parkAt` is earlier than `wakeAt` (an awake window running past midnight). Across a
 * daylight-saving change a wall time that does not exist (02:30 on a spring-forward night) moves
 * forward by the gap, and a wall time that happens twice (01:30 on a fall-back night) is taken once, at its second
 * occurrence (luxon's choice).
 */
import { DateTime } from "luxon";
import { scheduleSchema, WEEKDAYS, type Schedule } from "../domain/schedule";
import { ClawError } from "../errors";

export type ScheduleAction = "park" | "wake";

/** One transition of a claw's schedule: at `at` (UTC) it should be parked or woken. */
export interface ScheduleEvent {
  action: ScheduleAction;
  at: Date;
}

const ALWAYS_ON: Schedule = { mode: "always-on" };

/**
 * Reads FLEET_DEFAULT_SCHEDULE (JSON of the claw schedule schema). Unset means always-on; an
 * invalid value is a configuration error that says what to fix.
 */
export function parseFleetDefaultSchedule(raw: string | undefined): Schedule {
  if (raw === undefined || raw.trim() === "") return ALWAYS_ON;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ClawError("BAD_REQUEST", 'FLEET_DEFAULT_SCHEDULE must be JSON, like {"mode":"always-on"}');
  }
  const r = scheduleSchema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new ClawError(
      "BAD_REQUEST",
      `FLEET_DEFAULT_SCHEDULE: ${first.path.join(".") || "value"}: ${first.message}`,
    );
  }
  return r.data;
}

/** The schedule that applies to a claw: its own, else the fleet default. */
export function effectiveSchedule(own: Schedule | undefined, fleetDefault: Schedule): Schedule {
  return own ?? fleetDefault;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return h * 60 + m;
}

function localInstant(date: DateTime, hhmm: string): DateTime {
  const [hour, minute] = hhmm.split(":").map(Number);
  return DateTime.fromObject(
    { year: date.year, month: date.month, day: date.day, hour, minute },
    { zone: date.zone },
  );
}

/** Every transition of `schedule` with from < at ≤ to, oldest first (none for always-on). */
export function scheduleEvents(schedule: Schedule, from: Date, to: Date): ScheduleEvent[] {
  if (schedule.mode !== "scheduled" || to <= from) return [];
  const overnight = minutesOf(schedule.parkAt) < minutesOf(schedule.wakeAt);
  const zone = schedule.timeZone;
  // Local calendar days that can hold an event in the range: one day of slack either side.
  let day = DateTime.fromJSDate(from, { zone }).startOf("day").minus({ days: 1 });
  const last = DateTime.fromJSDate(to, { zone }).startOf("day").plus({ days: 1 });
  const out: ScheduleEvent[] = [];
  for (; day <= last; day = day.plus({ days: 1 })) {
    if (!schedule.days.includes(WEEKDAYS[day.weekday - 1])) continue;
    const wake = localInstant(day, schedule.wakeAt);
    const park = localInstant(overnight ? day.plus({ days: 1 }) : day, schedule.parkAt);
    out.push({ action: "wake", at: wake.toJSDate() }, { action: "park", at: park.toJSDate() });
  }
  return out
    .filter((e) => e.at > from && e.at <= to)
    .sort((a, b) => a.at.getTime() - b.at.getTime() || (a.action === "park" ? -1 : 1));
}

/** The newest transition at or before `at`, looking back at most `lookbackMs`. */
export function latestEvent(schedule: Schedule, at: Date, lookbackMs: number): ScheduleEvent | undefined {
  const events = scheduleEvents(schedule, new Date(at.getTime() - lookbackMs), at);
  return events[events.length - 1];
}

/** The next transition after `at` within `horizonMs`. */
export function nextEvent(schedule: Schedule, at: Date, horizonMs: number): ScheduleEvent | undefined {
  return scheduleEvents(schedule, at, new Date(at.getTime() + horizonMs))[0];
}

const WEEK_MS = 8 * 86_400_000;

/** Whether the schedule wants the claw awake at `at` (always-on: always). */
export function desiredAwake(schedule: Schedule, at: Date): boolean {
  if (schedule.mode !== "scheduled") return true;
  const e = latestEvent(schedule, at, WEEK_MS);
  return e === undefined ? true : e.action === "wake";
}
