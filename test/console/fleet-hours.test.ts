import { describe, expect, it } from "vitest";
import { fleetHours, priceTableFrom } from "../../core/console";
import type { ClawRecord, OperationRecord } from "../../core/state";

const claw = (name: string, vmSize: string, powerState?: string): ClawRecord =>
  ({
    name,
    spec: { name, region: "westus", vmSize, imageVersion: "1.0.0" },
    observed: powerState ? { powerState } : {},
    createdAt: "2026-03-01T00:00:00Z",
    updatedAt: "2026-03-01T00:00:00Z",
    etag: "e",
  }) as ClawRecord;

const op = (claw: string, kind: string, endedAt: string, status = "succeeded"): OperationRecord =>
  ({
    id: `${claw}-${kind}-${endedAt}`,
    kind,
    claw,
    channel: "http",
    principal: "p",
    status,
    startedAt: endedAt,
    endedAt,
    steps: [],
    etag: "e",
  }) as OperationRecord;

const prices = priceTableFrom({ VM_HOURLY_PRICES: '{"Standard_D2s_v5": 0.1}' });

describe("fleetHours", () => {
  it("fleetHours: splits each day into running and parked hours from deploy/park/wake records", () => {
    const now = new Date("2026-03-03T12:00:00Z");
    const r = fleetHours(
      [claw("alice", "Standard_D2s_v5", "running")],
      [
        op("alice", "deploy", "2026-03-01T06:00:00Z"),
        op("alice", "park", "2026-03-01T18:00:00Z"),
        op("alice", "wake", "2026-03-02T08:00:00Z"),
        op("alice", "park", "2026-03-02T20:00:00Z", "failed"), // a failed park changes nothing
        op("alice", "verify", "2026-03-02T21:00:00Z"),
      ],
      prices,
      { days: 3, now },
    );
    expect(r.days).toEqual([
      { day: "2026-03-01", runningHours: 12, parkedHours: 6, savedCost: 0.6 },
      { day: "2026-03-02", runningHours: 16, parkedHours: 8, savedCost: 0.8 },
      { day: "2026-03-03", runningHours: 12, parkedHours: 0, savedCost: 0 },
    ]);
    expect(r.totals).toEqual({ runningHours: 40, parkedHours: 14, savedCost: 1.4, runningCost: 4 });
    expect(r.unpricedSizes).toEqual([]);
  });

  it("fleetHours: a claw with no records counts in its observed power state; unknown sizes are listed", () => {
    const now = new Date("2026-03-03T06:00:00Z");
    const r = fleetHours([claw("bob", "Standard_X9", "deallocated")], [], prices, { days: 1, now });
    expect(r.days[0]).toMatchObject({ parkedHours: 6, runningHours: 0, savedCost: 0 });
    expect(r.unpricedSizes).toEqual(["Standard_X9"]);
  });

  it("fleetHours: a park as the first record in the window means the claw ran before it", () => {
    const now = new Date("2026-03-02T00:00:00Z");
    const r = fleetHours(
      [claw("carol", "Standard_D2s_v5")],
      [op("carol", "park", "2026-03-01T10:00:00Z")],
      prices,
      { days: 2, now },
    );
    expect(r.days[0]).toMatchObject({ runningHours: 10, parkedHours: 14 });
  });

  it("priceTableFrom: a malformed VM_HOURLY_PRICES says how to write it", () => {
    expect(() => priceTableFrom({ VM_HOURLY_PRICES: "cheap" })).toThrow(/Standard_D2s_v5/);
    expect(() => priceTableFrom({ VM_HOURLY_PRICES: '{"a": -1}' })).toThrow(/≥ 0/);
    expect(priceTableFrom({}).perHour.Standard_D2s_v5).toBe(0.096);
  });
});
