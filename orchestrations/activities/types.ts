/**
 * Every activity a saga may call, by name, with its input and result: the family sagas type their
 * calls with (`activityCalls<SagaActivities>(ctx)`), and tests their stand-ins.
 */
import type { FleetActivities } from "../../core/fleet/activities";
import type { HealthActivities } from "../../core/health/sweep";
import type { BusyActivities } from "./busy-activities";
import type { ClawActivities } from "./claw-activities";
import type { HandoffActivities } from "./handoff-activities";
import type { NotifyActivities } from "./notify-activities";
import type { HousekeepingActivities } from "./register-housekeeping";

export type SagaActivities = ClawActivities &
  HandoffActivities &
  BusyActivities &
  NotifyActivities &
  FleetActivities &
  HealthActivities &
  HousekeepingActivities;
