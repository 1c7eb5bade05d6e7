import { describe, expect, it } from "vitest";
import { nextOccurrence, parseNcrontab } from "../../local/host/timer/ncrontab";
import { createSchedule } from "../../local/host/timer/schedule";

const next = (expr: string, after: string, zone?: string) =>
  nextOccurrence(parseNcrontab(expr), new Date(after), zone)?.toISOString();

describe("NCRONTAB", () => {
  it("parse: needs exactly six fields", () => {
    expect(() => parseNcrontab("*/5 * * * *")).toThrow(/6 fields/);
    expect(() => parseNcrontab("0 0 * * * * *")).toThrow(/6 fields/);
  });

  it("parse: rejects values out of range, backwards ranges, bad steps and unknown names", () => {
    expect(() => parseNcrontab("60 * * * * *")).toThrow(/second/);
    expect(() => parseNcrontab("0 0 24 * * *")).toThrow(/hour/);
    expect(() => parseNcrontab("0 0 0 0 * *")).toThrow(/day/);
    expect(() => parseNcrontab("0 0 0 * * 7")).toThrow(/day of week/);
    expect(() => parseNcrontab("0 0 5-2 * * *")).toThrow(/backwards/);
    expect(() => parseNcrontab("*/0 * * * * *")).toThrow(/step/);
    expect(() => parseNcrontab("0 0 0 * Foo *")).toThrow(/unknown value/);
  });

  it("next: every five minutes starts at the next multiple of five", () => {
    expect(next("0 */5 * * * *", "2026-01-07T10:02:30Z")).toBe("2026-01-07T10:05:00.000Z");
    expect(next("0 */5 * * * *", "2026-01-07T10:05:00Z")).toBe("2026-01-07T10:10:00.000Z");
  });

  it("next: seconds, ranges with steps and lists", () => {
    expect(next("*/10 * * * * *", "2026-01-07T10:00:05Z")).toBe("2026-01-07T10:00:10.000Z");
    expect(next("0 0 8-18/4 * * *", "2026-01-07T12:00:00Z")).toBe("2026-01-07T16:00:00.000Z");
    expect(next("0 15,45 * * * *", "2026-01-07T10:20:00Z")).toBe("2026-01-07T10:45:00.000Z");
    expect(next("30/15 0 0 * * *", "2026-01-07T00:00:31Z")).toBe("2026-01-07T00:00:45.000Z");
  });

  it("next: names and prefixes of months and days of week", () => {
    // 2026-01-09 is a Friday: weekdays at 09:30 continue on Monday the 12th.
    expect(next("0 30 9 * * Mon-Fri", "2026-01-09T10:00:00Z")).toBe("2026-01-12T09:30:00.000Z");
    expect(next("0 0 12 1 jul *", "2026-01-07T00:00:00Z")).toBe("2026-07-01T12:00:00.000Z");
    expect(next("0 0 0 * * sunday", "2026-01-07T00:00:00Z")).toBe("2026-01-11T00:00:00.000Z");
  });

  it("next: day of month and day of week must both match (NCrontab, not Vixie cron)", () => {
    // The next Friday the 13th after January 2026 is in February 2026.
    expect(next("0 0 0 13 * Fri", "2026-01-01T00:00:00Z")).toBe("2026-02-13T00:00:00.000Z");
  });

  it("next: the 31st skips months that do not have one", () => {
    expect(next("0 0 0 31 * *", "2026-01-31T00:00:00Z")).toBe("2026-03-31T00:00:00.000Z");
  });

  it("next: an impossible date has no occurrence", () => {
    expect(next("0 0 0 30 Feb *", "2026-01-01T00:00:00Z")).toBeUndefined();
  });

  it("next: evaluates the wall clock of the time zone, across DST", () => {
    expect(next("0 0 9 * * *", "2026-01-07T00:00:00Z", "Europe/Berlin")).toBe("2026-01-07T08:00:00.000Z");
    expect(next("0 0 9 * * *", "2026-07-07T00:00:00Z", "Europe/Berlin")).toBe("2026-07-07T07:00:00.000Z");
    // 02:30 does not exist on 2026-03-29 in Berlin: it fires at the shifted instant that day.
    expect(next("0 30 2 * * *", "2026-03-28T12:00:00Z", "Europe/Berlin")).toBe("2026-03-29T01:30:00.000Z");
  });

  it("schedule: a TimeSpan is a constant interval; an unknown zone is an error", () => {
    const s = createSchedule("00:05:00");
    expect(s.next(new Date("2026-01-07T10:00:01Z"))?.toISOString()).toBe("2026-01-07T10:05:01.000Z");
    expect(() => createSchedule("0 0 * * * *", "Mars/Olympus")).toThrow(/IANA/);
  });
});
