/**
 * The claw saga activities: each one idempotent (safe to run twice), each one a recorded step,
 * grouped by what they touch (records, VM, data disk, guest, delivery). Built by factories over
 * their dependencies so tests and the twin can pass their own.
 */
import { createDeliveryActivities } from "./delivery";
import { createDiskActivities } from "./disk-activities";
import { createGuestActivities } from "./guest-activities";
import type { ActivityDeps } from "./ports";
import { createRecordActivities } from "./record-activities";
import { createVmActivities } from "./vm-activities";

export { vmNameOf, type ClawSnapshot } from "./record-activities";
export { compareVersions, type PreflightInput, type VmCreateInput } from "./vm-activities";
export type { VerifyOutcome } from "./guest-activities";

/** Builds every claw saga activity over `deps`. */
export function createClawActivities(deps: ActivityDeps) {
  return {
    ...createRecordActivities(deps),
    ...createVmActivities(deps),
    ...createDiskActivities(deps),
    ...createGuestActivities(deps),
    ...createDeliveryActivities(deps),
  };
}

export type ClawActivities = ReturnType<typeof createClawActivities>;
