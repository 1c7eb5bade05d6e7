/**
 * A timer trigger's schedule: a six-field NCRONTAB expression evaluated in WEBSITE_TIME_ZONE (IANA
 * names such as "Europe/Berlin"; default UTC), or a constant interval written as a TimeSpan
 * ("00:05:00"), which the host also accepts.
 */
import { DateTime } from "luxon";
import { parseTimeSpanMs } from "../host-config";
import { nextOccurrence, parseNcrontab } from "./ncrontab";

export interface TimerSchedule {
  describe: string;
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date | undefined;
}

/** Parses `expression` (already %SETTING%-resolved). Throws on a bad expression or unknown zone. */
export function createSchedule(expression: string, timeZone?: string): TimerSchedule {
  const zone = timeZone && timeZone.trim() !== "" ? timeZone.trim() : "UTC";
  if (!DateTime.now().setZone(zone).isValid) {
    throw new Error(`WEBSITE_TIME_ZONE "${zone}" is not an IANA time zone name (e.g. "Europe/Berlin").`);
  }
  const intervalMs = /^\s*(\d+\.)?\d+:\d{1,2}:\d{1,2}\s*$/.test(expression)
    ? parseTimeSpanMs(expression.trim(), 0)
    : 0;
  if (intervalMs > 0) {
    return {
      describe: `every ${expression.trim()}`,
      next: (after) => new Date(after.getTime() + intervalMs),
    };
  }
  const cron = parseNcrontab(expression);
  return {
    describe: `${cron.expression.trim()} (${zone})`,
    next: (after) => nextOccurrence(cron, after, zone),
  };
}
