/**
 * What triggers, command handlers and the fleet sagas agree on: saga names, inputs, instance ids
 * (one instance per rollout, tick, delivery or sweep, so a trigger firing twice runs once) and the
 * operators' control event.
 */
import type { Channel } from "../domain/commands";

export const FLEET_SAGA_NAMES = {
  rollout: "rolloutFleet",
  scheduleTick: "scheduleTick",
  imageBaked: "imageBaked",
  healthSweep: "healthSweep",
  housekeeping: "housekeeping",
  reconcileDrift: "reconcileDrift",
} as const;

/** The external event every fleet saga listens to. */
export const CONTROL_EVENT = "control";
export const CONTROL_ACTIONS = ["approve", "reject", "pause", "resume", "cancel"] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];
export interface ControlEvent {
  action: ControlAction;
  by?: string;
}

export interface RolloutInput {
  rolloutId: string;
  channel: Channel;
  principal: string;
}

/** What the planning of a schedule tick is asked. */
export interface TickRequest {
  /** The tick's scheduled time (UTC ISO). */
  tickAt: string;
  /** The host missed at least one occurrence (downtime): catch up since the last tick, once. */
  isPastDue: boolean;
}

export interface ScheduleTickInput extends TickRequest {
  maxParallel: number;
}

export interface ImageBakedInput {
  version: string;
  deliveryId: string;
  bake: Record<string, string>;
}

const timeKey = (at: string) => at.replace(/[:.]/g, "-");

/** The rollout instance id for a rollout id (control events go there). */
export const rolloutInstanceId = (rolloutId: string) => `rollout-${rolloutId}`;
export const scheduleTickInstanceId = (tickAt: string) => `schedule-tick-${timeKey(tickAt)}`;
export const imageBakedInstanceId = (deliveryId: string) => `image-baked-${deliveryId}`;
export const healthSweepInstanceId = (at: string) => `health-sweep-${timeKey(at)}`;
export const housekeepingInstanceId = (day: string) => `housekeeping-${day}`;
export const driftInstanceId = (at: string) => `drift-${timeKey(at)}`;
