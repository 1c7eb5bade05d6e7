/**
 * What one schedule tick should do, decided without I/O: for each claw, the newest transition of
 * its schedule inside the look-back window, unless that slot was handled already, the claw is
 * pinned awake, busy with another saga, already in the wanted state, or has no VM. Also: which
 * claws to warn before they are parked.
 */
import type { Schedule } from "../domain/schedule";
import type { PowerState } from "../state";
import { desiredAwake, effectiveSchedule, latestEvent, nextEvent, type ScheduleAction } from "./schedule";

export interface TickClaw {
  name: string;
  schedule?: Schedule;
  powerState?: PowerState;
  runningOperationId?: string;
}

export interface TickInput {
  claws: TickClaw[];
  now: Date;
  /** How far back a missed transition is still acted on (normal ticks: a few tick intervals). */
  lookbackMs: number;
  fleetDefault: Schedule;
  /** claw → pinned awake until. */
  pins: Map<string, Date>;
  /** Slot keys already handled (see slotKey). */
  done: Set<string>;
  /** Warn this long before a scheduled park (0: no warnings). */
  warnMs: number;
}

export interface PlannedAction {
  claw: string;
  action: ScheduleAction;
  /** The transition being acted on (UTC ISO). */
  slot: string;
  /** "schedule" or "pin-expired". */
  cause: "schedule" | "pin-expired";
}

/** A decision not to act. `final`: the slot counts as handled; otherwise a later tick retries. */
export interface PlannedSkip extends PlannedAction {
  reason: string;
  final: boolean;
}

export interface PlannedWarning {
  claw: string;
  parkAt: string;
}

export interface TickPlan {
  actions: PlannedAction[];
  skips: PlannedSkip[];
  warnings: PlannedWarning[];
}

/** The idempotency key of acting on one transition of one claw. */
export function slotKey(claw: string, action: ScheduleAction | "warn", slot: string): string {
  return `${claw}|${action}|${slot}`;
}

const PARKED: ReadonlySet<string> = new Set(["deallocated", "deallocating", "stopped", "stopping"]);
const AWAKE: ReadonlySet<string> = new Set(["running", "starting"]);

/** Decides one tick; see the module comment. */
export function planTick(input: TickInput): TickPlan {
  const plan: TickPlan = { actions: [], skips: [], warnings: [] };
  const { now } = input;
  for (const claw of input.claws) {
    const schedule = effectiveSchedule(claw.schedule, input.fleetDefault);
    if (schedule.mode !== "scheduled") continue;
    const pinnedUntil = input.pins.get(claw.name);
    const pinned = pinnedUntil !== undefined && pinnedUntil > now;

    let candidate: PlannedAction | undefined;
    const event = latestEvent(schedule, now, input.lookbackMs);
    if (event) {
      candidate = { claw: claw.name, action: event.action, slot: event.at.toISOString(), cause: "schedule" };
    }
    // A pin that ran out inside the window hands the claw back to its schedule.
    if (
      pinnedUntil &&
      !pinned &&
      now.getTime() - pinnedUntil.getTime() <= input.lookbackMs &&
      !desiredAwake(schedule, now) &&
      (!event || event.at < pinnedUntil)
    ) {
      candidate = { claw: claw.name, action: "park", slot: pinnedUntil.toISOString(), cause: "pin-expired" };
    }
    if (candidate && !input.done.has(slotKey(claw.name, candidate.action, candidate.slot))) {
      const skip = (reason: string, final: boolean) => plan.skips.push({ ...candidate!, reason, final });
      const power = claw.powerState ?? "unknown";
      if (candidate.action === "park" && pinned) {
        skip(`pinned awake until ${pinnedUntil!.toISOString()}`, true);
      } else if (claw.runningOperationId) {
        skip(`busy with operation ${claw.runningOperationId}`, false);
      } else if (power === "absent") {
        skip("has no VM (deploy it first)", true);
      } else if (candidate.action === "park" && PARKED.has(power)) {
        skip(`already ${power}`, true);
      } else if (candidate.action === "wake" && AWAKE.has(power)) {
        skip(`already ${power}`, true);
      } else {
        plan.actions.push(candidate);
      }
    }

    if (input.warnMs > 0) {
      const next = nextEvent(schedule, now, input.warnMs);
      const parkAt = next?.action === "park" ? next.at : undefined;
      if (
        parkAt &&
        !(pinnedUntil && pinnedUntil >= parkAt) &&
        !PARKED.has(claw.powerState ?? "") &&
        !input.done.has(slotKey(claw.name, "warn", parkAt.toISOString()))
      ) {
        plan.warnings.push({ claw: claw.name, parkAt: parkAt.toISOString() });
      }
    }
  }
  return plan;
}
