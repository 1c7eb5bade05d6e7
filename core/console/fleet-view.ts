/**
 * The fleet as the console's fleet page shows it, in one read: each claw's power state, image,
 * health from the last verify, effective schedule with the next park or wake, pin, and the
 * operation holding it with its current step (the newest open step of its record) and the agent's
 * deferral if any. Deterministic for unchanged state, so a poll's ETag stays the same.
 */
import { nextEvent, effectiveSchedule } from "../fleet/schedule";
import type { Schedule } from "../domain/schedule";
import type { ClawRecord, OperationRecord } from "../state";
import type { ClawView } from "../commands";
import type { FleetRowOperation } from "./wire";

export interface FleetClawRow extends ClawView {
  schedule: Schedule;
  next?: { action: "park" | "wake"; at: string };
  pinnedUntil?: string;
  operation?: FleetRowOperation;
}

const HORIZON_MS = 8 * 86_400_000;

/** Rounds `at` down to the minute, so the view (and its ETag) changes at most once a minute. */
const minute = (at: Date) => new Date(Math.floor(at.getTime() / 60_000) * 60_000);

export function fleetView(
  claws: ClawRecord[],
  running: OperationRecord[],
  opts: { now: Date; fleetDefault: Schedule; pins?: Map<string, Date> },
): { claws: FleetClawRow[] } {
  const at = minute(opts.now);
  const byId = new Map(running.map((o) => [o.id, o]));
  const byClaw = new Map(running.map((o) => [o.claw, o]));
  const rows = claws.map((c): FleetClawRow => {
    const { etag: _etag, ...view } = c;
    const schedule = effectiveSchedule(c.spec.schedule, opts.fleetDefault);
    const ev = nextEvent(schedule, at, HORIZON_MS);
    const row: FleetClawRow = { ...view, schedule };
    if (ev) row.next = { action: ev.action, at: ev.at.toISOString() };
    const pin = opts.pins?.get(c.name);
    if (pin && pin > opts.now) row.pinnedUntil = pin.toISOString();
    const op = (c.runningOperationId && byId.get(c.runningOperationId)) || byClaw.get(c.name);
    if (op) {
      const open = [...op.steps].reverse().find((s) => !s.endedAt) ?? op.steps[op.steps.length - 1];
      const deferred = op.details?.deferredBySeconds;
      row.operation = {
        id: op.id,
        kind: op.kind,
        startedAt: op.startedAt,
        ...(open ? { step: open.name, stepStartedAt: open.startedAt } : {}),
        ...(typeof deferred === "number" ? { deferredBySeconds: deferred } : {}),
      };
    }
    return row;
  });
  rows.sort((a, b) => a.name.localeCompare(b.name));
  return { claws: rows };
}
