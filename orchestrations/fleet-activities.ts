/**
 * Registers the fleet sagas' activities. Errors cross the activity boundary as "[CODE] message"
 * (as activities/register.ts does), so the sagas read the code on Azure and on the dev host alike.
 */
import * as df from "durable-functions";
import { ClawError } from "../core/errors";
import { createFleetActivities, FLEET_ACTIVITY_NAMES, type FleetActivities } from "../core/fleet/activities";
import { getFleetDeps } from "../core/fleet/deps";

const built = new WeakMap<object, FleetActivities>();

async function activities(): Promise<FleetActivities> {
  const deps = await getFleetDeps();
  let a = built.get(deps);
  if (!a) {
    a = createFleetActivities(deps);
    built.set(deps, a);
  }
  return a;
}

for (const name of FLEET_ACTIVITY_NAMES) {
  df.app.activity(name, {
    handler: async (input: unknown) => {
      const a = await activities();
      try {
        return await (a[name] as (i: unknown) => Promise<unknown>)(input);
      } catch (e) {
        if (e instanceof ClawError)
          throw new Error(`[${e.code}${e.retryable ? ",retryable" : ""}] ${e.message}`);
        throw e;
      }
    },
  });
}
