import { z } from "zod";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** True when the runtime's Intl knows `zone` (IANA names such as Europe/Berlin, or UTC). */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const timeOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time of day as HH:MM in 24-hour form, like '22:30'");

const alwaysOn = z.strictObject({ mode: z.literal("always-on") });

const scheduled = z
  .strictObject({
    mode: z.literal("scheduled"),
    timeZone: z
      .string()
      .max(64, "must be at most 64 characters")
      .refine(isValidTimeZone, "must be an IANA time zone such as 'Europe/Berlin' or 'America/New_York'"),
    parkAt: timeOfDay,
    wakeAt: timeOfDay,
    days: z
      .array(z.enum(WEEKDAYS, { message: `must be one of ${WEEKDAYS.join(", ")}` }))
      .min(1, "must name at least one day")
      .refine((d) => new Set(d).size === d.length, "must not repeat a day"),
  })
  .refine((s) => s.parkAt !== s.wakeAt, { message: "parkAt and wakeAt must differ", path: ["wakeAt"] });

/**
 * When a claw runs. `scheduled`: wake at `wakeAt` and park at `parkAt` local time on `days`
 * (a park time before the wake time means the awake window runs past midnight).
 */
export const scheduleSchema = z.discriminatedUnion("mode", [alwaysOn, scheduled]);
export type Schedule = z.infer<typeof scheduleSchema>;
