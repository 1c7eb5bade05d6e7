/**
 * Registers the claw saga activities with the function app (see registration.ts for how errors
 * cross the boundary).
 */
import { createClawActivities, type ClawActivities } from "./claw-activities";
import { getActivityDeps } from "./deps";
import { registerActivities } from "./registration";

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
  "checkSecrets",
  "deliverSecrets",
  "verify",
  "verifyReport",
  "snapshotDisk",
  "restoreDisk",
  "destroyResources",
  "finishOperation",
] as const satisfies ReadonlyArray<keyof ClawActivities>;

registerActivities<Awaited<ReturnType<typeof getActivityDeps>>, ClawActivities>(
  ACTIVITY_NAMES,
  getActivityDeps,
  createClawActivities,
);
