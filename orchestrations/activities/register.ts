/**
 * Registers the saga activities with the function app. Errors cross the activity boundary as
 * "[CODE] message" so orchestrators can read the code on Azure and on the dev host alike.
 */
import * as df from "durable-functions";
import { ClawError } from "../../core/errors";
import { createClawActivities, type ClawActivities } from "./claw-activities";
import { getActivityDeps } from "./deps";

const built = new WeakMap<object, ClawActivities>();

async function activities(): Promise<ClawActivities> {
  const deps = await getActivityDeps();
  let a = built.get(deps);
  if (!a) {
    a = createClawActivities(deps);
    built.set(deps, a);
  }
  return a;
}

export const ACTIVITY_NAMES = [
  "loadClaw",
  "preflightImage",
  "ensureDisk",
  "ensureNetwork",
  "createVm",
  "deleteVm",
  "prepareOsDisk",
  "powerOffVm",
  "swapOsDisk",
  "deleteOldOsDisk",
  "deallocateVm",
  "startVm",
  "getPowerState",
  "waitForSsh",
  "stopAgent",
  "startAgent",
  "deliverSecrets",
  "verify",
  "verifyReport",
  "snapshotDisk",
  "restoreDisk",
  "destroyResources",
  "recordObserved",
  "finishOperation",
] as const satisfies ReadonlyArray<keyof ClawActivities>;

for (const name of ACTIVITY_NAMES) {
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
