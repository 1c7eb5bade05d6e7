/**
 * reconcileDrift: the hourly comparison of Azure with the Claws table, as one activity (ARM reads
 * happen only in activities). It reports; it never changes Azure.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import { RECORD_RETRY } from "./saga-kit";
import { activityCalls } from "./activity-calls";
import type { SagaActivities } from "./activities/types";

export function* reconcileDrift(ctx: OrchestrationContext): Generator<Task, unknown, unknown> {
  const act = activityCalls<SagaActivities>(ctx);
  const input = ctx.df.getInput<{ checkedAt: string }>();
  return yield* act.detectDrift(input, RECORD_RETRY);
}

df.app.orchestration("reconcileDrift", reconcileDrift);
