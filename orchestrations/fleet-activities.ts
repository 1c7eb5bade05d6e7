/**
 * Registers the fleet sagas' activities (see activities/registration.ts for how errors cross the
 * boundary).
 */
import { createFleetActivities, FLEET_ACTIVITY_NAMES, type FleetActivities } from "../core/fleet/activities";
import { getFleetDeps } from "../core/fleet/deps";
import { registerActivities } from "./activities/registration";

registerActivities<Awaited<ReturnType<typeof getFleetDeps>>, FleetActivities>(
  FLEET_ACTIVITY_NAMES,
  getFleetDeps,
  createFleetActivities,
);
