/**
 * housekeeping: the daily retention run (core/housekeeping): optional backup snapshots, then old
 * snapshots and set-aside data disks deleted by the policy, never a claw's current data disk. One
 * activity: it lists, decides and deletes, each deletion idempotent ("not found" is success).
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import { ARM_RETRY } from "./saga-kit";
import { activityCalls } from "./activity-calls";
import type { SagaActivities } from "./activities/types";

export function* housekeeping(ctx: OrchestrationContext): Generator<Task, unknown, unknown> {
  const act = activityCalls<SagaActivities>(ctx);
  const input = ctx.df.getInput<{ at?: string }>() ?? {};
  const at = input.at ?? ctx.df.currentUtcDateTime.toISOString();
  return yield* act.runHousekeeping({ at }, ARM_RETRY);
}

df.app.orchestration("housekeeping", housekeeping);
