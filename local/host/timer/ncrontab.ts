/**
 * Six-field NCRONTAB, as Azure Functions timer triggers use it (NCrontab with seconds):
 * `{second} {minute} {hour} {day} {month} {day-of-week}`. Each field takes `*`, numbers, ranges
 * `a-b`, steps `* /n` and `a-b/n` and `a/n` (a through the maximum), lists `a,b`, and for months and
 * days of week names or any prefix of them (`Jan`, `mon`, `Monday`). Days of week run 0-6 from
 * Sunday. Unlike Vixie cron, a day must match both the day-of-month and the day-of-week fields.
 */
import { DateTime } from "luxon";

export interface CronSchedule {
  expression: string;
  seconds: readonly number[];
  minutes: readonly number[];
  hours: readonly number[];
  days: ReadonlySet<number>;
  months: ReadonlySet<number>;
  daysOfWeek: ReadonlySet<number>;
}

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: FieldSpec[] = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day of week", min: 0, max: 6, names: WEEKDAYS },
];

/** Parses a six-field expression; throws an Error naming the bad field. */
export function parseNcrontab(expression: string): CronSchedule {
  const tokens = expression
    .trim()
    .split(/\s+/)
    .filter((t) => t.length > 0);
  if (tokens.length !== 6) {
    throw new Error(
      `'${expression}' is not a valid NCRONTAB expression: it needs 6 fields (second minute hour day month day-of-week).`,
    );
  }
  const sets = tokens.map((t, i) => parseField(t, FIELDS[i], expression));
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return {
    expression,
    seconds: sorted(sets[0]),
    minutes: sorted(sets[1]),
    hours: sorted(sets[2]),
    days: sets[3],
    months: sets[4],
    daysOfWeek: sets[5],
  };
}

function parseField(token: string, spec: FieldSpec, expression: string): Set<number> {
  const out = new Set<number>();
  const fail = (why: string): never => {
    throw new Error(`'${expression}': '${token}' is not a valid ${spec.name} field (${why}).`);
  };
  for (const part of token.split(",")) {
    if (part === "") fail("empty list item");
    const [rangeText, stepText, extra] = part.split("/");
    if (extra !== undefined) fail("more than one '/'");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) fail(`bad step '${stepText}'`);
    let lo: number;
    let hi: number;
    if (rangeText === "*") {
      lo = spec.min;
      hi = spec.max;
    } else if (rangeText.includes("-")) {
      const [a, b] = rangeText.split("-");
      lo = parseValue(a, spec, fail);
      hi = parseValue(b, spec, fail);
      if (hi < lo) fail(`range ${a}-${b} runs backwards`);
    } else {
      lo = parseValue(rangeText, spec, fail);
      hi = stepText === undefined ? lo : spec.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

function parseValue(text: string | undefined, spec: FieldSpec, fail: (why: string) => never): number {
  if (!text) return fail("missing value");
  let v: number;
  if (/^\d+$/.test(text)) v = Number(text);
  else {
    const lower = text.toLowerCase();
    const index = spec.names?.findIndex((n) => n.startsWith(lower)) ?? -1;
    if (index < 0) return fail(`unknown value '${text}'`);
    v = index + spec.min;
  }
  if (v < spec.min || v > spec.max) fail(`${v} is outside ${spec.min}-${spec.max}`);
  return v;
}

/**
 * The first occurrence strictly after `after`, evaluated on the wall clock of `zone` (an IANA name;
 * default UTC). A wall time skipped by a DST change fires at the shifted instant luxon gives it.
 * Returns undefined when nothing matches within 8 years (e.g. "0 0 0 30 2 *").
 */
export function nextOccurrence(schedule: CronSchedule, after: Date, zone = "UTC"): Date | undefined {
  const afterMs = after.getTime();
  const start = DateTime.fromMillis(afterMs, { zone });
  if (!start.isValid) throw new Error(`Unknown time zone "${zone}".`);
  let day = start.startOf("day");
  for (let i = 0; i < 366 * 8; i++, day = day.plus({ days: 1 })) {
    if (!schedule.months.has(day.month) || !schedule.days.has(day.day)) continue;
    if (!schedule.daysOfWeek.has(day.weekday % 7)) continue;
    const sameDay = day.hasSame(start, "day");
    for (const hour of schedule.hours) {
      if (sameDay && hour < start.hour) continue;
      for (const minute of schedule.minutes) {
        if (sameDay && hour === start.hour && minute < start.minute) continue;
        for (const second of schedule.seconds) {
          const t = DateTime.fromObject(
            { year: day.year, month: day.month, day: day.day, hour, minute, second },
            { zone },
          );
          if (t.toMillis() > afterMs) return t.toJSDate();
        }
      }
    }
  }
  return undefined;
}
