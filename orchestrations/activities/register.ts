/**
 * Registers the claw saga activities with the function app (see registration.ts for how errors
 * cross the boundary).
 */
import { createClawActivities, type ClawActivities } from "./claw-activities";
import { createHandoffActivities, type HandoffActivities } from "./handoff-activities";
import { getActivityDeps } from "./deps";
import { registerActivities } from "./registration";

export const ACTIVITY_NAMES = [
  "loadClaw",
  "preflightImage",
  "ensureDisk",
  "ensureNetwork",
  "createVm",
  "deleteVm",
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

export const HANDOFF_ACTIVITY_NAMES = [
  "createStandbyVm",
  "awaitStandby",
  "releaseDisk",
  "detachDisk",
  "attachDisk",
  "moveIp",
  "bootOnDisk",
  "adoptVm",
  "retireVm",
] as const satisfies ReadonlyArray<keyof HandoffActivities>;

registerActivities<Awaited<ReturnType<typeof getActivityDeps>>, HandoffActivities>(
  HANDOFF_ACTIVITY_NAMES,
  getActivityDeps,
  createHandoffActivities,
);
