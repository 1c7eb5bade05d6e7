/**
 * Registers the fleet sagas' activities (see activities/registration.ts for how errors cross the
 * boundary).
 */
import { createFleetActivities, type FleetActivities } from "../../core/fleet/activities";
import { FLEET_ACTIVITY_NAMES } from "./fleet-activity-names";
import { appRoot } from "../../core/app";
import type { FleetDeps } from "../../core/fleet/deps";
import { registerActivities } from "./registration";

registerActivities<FleetDeps, FleetActivities>(
  FLEET_ACTIVITY_NAMES,
  () => appRoot().fleet(),
  // Called, not passed: reading the factory at load would load the activities' whole graph.
  (deps) => createFleetActivities(deps),
);
