/**
 * Registers the fleet sagas' activities (see activities/registration.ts for how errors cross the
 * boundary).
 */
import { createFleetActivities, FLEET_ACTIVITY_NAMES, type FleetActivities } from "../core/fleet/activities";
import { appRoot } from "../core/app";
import type { FleetDeps } from "../core/fleet/deps";
import { registerActivities } from "./activities/registration";

registerActivities<FleetDeps, FleetActivities>(
  FLEET_ACTIVITY_NAMES,
  () => appRoot().fleet(),
  createFleetActivities,
);
