/**
 * Schedule evaluation and tick planning (pure): time zones, a daylight-saving change, overnight
 * windows, pins, busy claws, and catching up after a missed tick exactly once.
 */
import { describe, expect, it } from "vitest";
import type { Schedule } from "../../core/domain/schedule";
import {
  desiredAwake,
  latestEvent,
  parseFleetDefaultSchedule,
  scheduleEvents,
} from "../../core/fleet/schedule";
import { planTick, slotKey, type TickClaw } from "../../core/fleet/tick-plan";

const berlin: Schedule = {
  mode: "scheduled",
  timeZone: "Europe/Berlin",
  parkAt: "22:00",
  wakeAt: "07:00",
  days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
};
const newYorkNight: Schedule = {
  mode: "scheduled",
  timeZone: "America/New_York",
  parkAt: "02:30",
  wakeAt: "18:00",
  days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
};
const iso = (s: string) => new Date(s);
const H = 3_600_000;

describe("schedule evaluation", () => {
  it("scheduleEvents: parks at 22:00 Berlin time, in UTC before and after the spring DST change", () => {
    const events = scheduleEvents(berlin, iso("2024-03-29T12:00:00Z"), iso("2024-04-01T12:00:00Z"));
    const parks = events.filter((e) => e.action === "park").map((e) => e.at.toISOString());
    // CET (UTC+1) until 31 March 02:00, then CEST (UTC+2).
    expect(parks).toEqual([
      "2024-03-29T21:00:00.000Z",
      "2024-03-30T21:00:00.000Z",
      "2024-03-31T20:00:00.000Z",
    ]);
    const wakes = events.filter((e) => e.action === "wake").map((e) => e.at.toISOString());
    expect(wakes).toEqual([
      "2024-03-30T06:00:00.000Z",
      "2024-03-31T05:00:00.000Z",
      "2024-04-01T05:00:00.000Z",
    ]);
  });

  it("scheduleEvents: a park time inside the skipped hour happens once, shifted forward", () => {
    // New York springs forward on 10 March 2024: 02:00-03:00 local does not exist.
    const events = scheduleEvents(newYorkNight, iso("2024-03-10T00:00:00Z"), iso("2024-03-11T00:00:00Z"));
    const parks = events.filter((e) => e.action === "park");
    expect(parks.map((e) => e.at.toISOString())).toEqual(["2024-03-10T07:30:00.000Z"]); // 03:30 EDT
  });

  it("scheduleEvents: an overnight window parks the next morning and honours the listed days only", () => {
    const weekdays: Schedule = { ...newYorkNight, days: ["fri"] };
    const events = scheduleEvents(weekdays, iso("2024-06-06T00:00:00Z"), iso("2024-06-10T00:00:00Z"));
    expect(events.map((e) => `${e.action}@${e.at.toISOString()}`)).toEqual([
      "wake@2024-06-07T22:00:00.000Z", // Friday 18:00 EDT
      "park@2024-06-08T06:30:00.000Z", // Saturday 02:30 EDT
    ]);
  });

  it("desiredAwake: follows the newest transition; always-on is always awake", () => {
    expect(desiredAwake(berlin, iso("2024-06-03T21:00:00Z"))).toBe(false); // 23:00 CEST
    expect(desiredAwake(berlin, iso("2024-06-03T10:00:00Z"))).toBe(true);
    expect(desiredAwake({ mode: "always-on" }, iso("2024-06-03T21:00:00Z"))).toBe(true);
  });

  it("latestEvent: only transitions inside the look-back count", () => {
    expect(latestEvent(berlin, iso("2024-06-03T20:10:00Z"), 15 * 60_000)?.action).toBe("park");
    expect(latestEvent(berlin, iso("2024-06-03T20:30:00Z"), 15 * 60_000)).toBeUndefined();
  });

  it("parseFleetDefaultSchedule: unset is always-on; invalid JSON or zones say what to fix", () => {
    expect(parseFleetDefaultSchedule(undefined)).toEqual({ mode: "always-on" });
    expect(parseFleetDefaultSchedule(JSON.stringify(berlin))).toEqual(berlin);
    expect(() => parseFleetDefaultSchedule("{")).toThrow(/must be JSON/);
    expect(() => parseFleetDefaultSchedule(JSON.stringify({ ...berlin, timeZone: "Mars/Base" }))).toThrow(
      /timeZone: must be an IANA time zone/,
    );
  });
});

describe("planTick", () => {
  const at = iso("2024-06-03T20:02:00Z"); // 22:02 in Berlin: park time just passed
  const claw = (name: string, extra: Partial<TickClaw> = {}): TickClaw => ({
    name,
    schedule: berlin,
    powerState: "running",
    ...extra,
  });
  const base = {
    now: at,
    lookbackMs: 15 * 60_000,
    fleetDefault: { mode: "always-on" } as Schedule,
    pins: new Map<string, Date>(),
    done: new Set<string>(),
    warnMs: 0,
  };

  it("planTick: parks a running claw whose park time just passed", () => {
    const plan = planTick({ ...base, claws: [claw("alice")] });
    expect(plan.actions).toEqual([
      { claw: "alice", action: "park", slot: "2024-06-03T20:00:00.000Z", cause: "schedule" },
    ]);
  });

  it("planTick: the fleet default applies to claws without a schedule; always-on claws are left alone", () => {
    const plan = planTick({
      ...base,
      fleetDefault: berlin,
      claws: [claw("bob", { schedule: undefined }), claw("carol", { schedule: { mode: "always-on" } })],
    });
    expect(plan.actions.map((a) => a.claw)).toEqual(["bob"]);
  });

  it("planTick: skips a pinned claw (final) and a claw busy with an upgrade (tried again)", () => {
    const plan = planTick({
      ...base,
      claws: [claw("alice", { runningOperationId: "op-upgrade" }), claw("dave")],
      pins: new Map([["dave", iso("2024-06-03T23:00:00Z")]]),
    });
    expect(plan.actions).toEqual([]);
    expect(plan.skips.map((s) => [s.claw, s.final, s.reason])).toEqual([
      ["alice", false, "busy with operation op-upgrade"],
      ["dave", true, "pinned awake until 2024-06-03T23:00:00.000Z"],
    ]);
  });

  it("planTick: a pin that ran out parks the claw once it is due by schedule", () => {
    const later = iso("2024-06-03T23:03:00Z"); // pin ended 23:00Z, schedule says parked
    const plan = planTick({
      ...base,
      now: later,
      claws: [claw("dave")],
      pins: new Map([["dave", iso("2024-06-03T23:00:00Z")]]),
    });
    expect(plan.actions).toEqual([
      { claw: "dave", action: "park", slot: "2024-06-03T23:00:00.000Z", cause: "pin-expired" },
    ]);
  });

  it("planTick: a slot already handled is never acted on twice", () => {
    const done = new Set([slotKey("alice", "park", "2024-06-03T20:00:00.000Z")]);
    expect(planTick({ ...base, claws: [claw("alice")], done }).actions).toEqual([]);
  });

  it("planTick: after downtime only the newest missed transition is acted on, once", () => {
    // Down from 21:50Z (before park) to 06:30Z next day (after the 05:00Z wake): catch up = wake.
    const now = iso("2024-06-04T06:30:00Z");
    const lookbackMs = now.getTime() - iso("2024-06-03T19:50:00Z").getTime();
    const first = planTick({
      ...base,
      now,
      lookbackMs,
      claws: [claw("alice", { powerState: "deallocated" })],
    });
    expect(first.actions).toEqual([
      { claw: "alice", action: "wake", slot: "2024-06-04T05:00:00.000Z", cause: "schedule" },
    ]);
    const done = new Set(first.actions.map((a) => slotKey(a.claw, a.action, a.slot)));
    const second = planTick({
      ...base,
      now,
      lookbackMs,
      done,
      claws: [claw("alice", { powerState: "starting" })],
    });
    expect(second.actions).toEqual([]);
  });

  it("planTick: a claw already parked is recorded as handled, not parked again", () => {
    const plan = planTick({ ...base, claws: [claw("erin", { powerState: "deallocated" })] });
    expect(plan.actions).toEqual([]);
    expect(plan.skips).toMatchObject([{ claw: "erin", final: true, reason: "already deallocated" }]);
  });

  it("planTick: warns once before a scheduled park, not for pinned or parked claws", () => {
    const before = iso("2024-06-03T19:40:00Z"); // 21:40 CEST, park at 22:00
    const plan = planTick({
      ...base,
      now: before,
      warnMs: 30 * 60_000,
      claws: [claw("alice"), claw("dave"), claw("erin", { powerState: "deallocated" })],
      pins: new Map([["dave", iso("2024-06-03T23:00:00Z")]]),
    });
    expect(plan.warnings).toEqual([{ claw: "alice", parkAt: "2024-06-03T20:00:00.000Z" }]);
    const done = new Set([slotKey("alice", "warn", "2024-06-03T20:00:00.000Z")]);
    expect(
      planTick({ ...base, now: before, warnMs: 30 * 60_000, claws: [claw("alice")], done }).warnings,
    ).toEqual([]);
  });

  it("scheduleEvents: two claws in different zones park at their own local 22:00", () => {
    const tokyo: Schedule = { ...berlin, timeZone: "Asia/Tokyo" };
    const day = [iso("2024-06-03T00:00:00Z"), iso("2024-06-04T00:00:00Z")] as const;
    const park = (s: Schedule) =>
      scheduleEvents(s, ...day)
        .find((e) => e.action === "park")!
        .at.getTime();
    expect((park(berlin) - park(tokyo)) / H).toBe(7);
  });
});
