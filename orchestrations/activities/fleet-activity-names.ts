/**
 * The fleet activities' names, registered by fleet-activities.ts. Apart from their factory
 * (core/fleet/activities.ts) because registration reads them when the app loads, while the
 * factory's graph (state, schemas, storage) loads on the first call.
 */
import type { FleetActivities } from "../../core/fleet/activities";

export const FLEET_ACTIVITY_NAMES = [
  "startClawCommand",
  "planRolloutRun",
  "recordRollout",
  "finishRollout",
  "notifyFleet",
  "planScheduleTick",
  "recordScheduleSlot",
  "finishScheduleTick",
  "registerBakedImage",
  "createRolloutForImage",
  "detectDrift",
  "pinAwake",
] as const satisfies ReadonlyArray<keyof FleetActivities>;
