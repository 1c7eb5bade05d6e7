/**
 * reconcileDrift: the hourly comparison of Azure with the Claws table, as one activity (ARM reads
 * happen only in activities). It reports; it never changes Azure.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import { RECORD_RETRY } from "./saga-kit";

export function* reconcileDrift(ctx: OrchestrationContext): Generator<Task, unknown, unknown> {
  const input = ctx.df.getInput<{ checkedAt: string }>();
  return yield ctx.df.callActivityWithRetry("detectDrift", RECORD_RETRY, input);
}

df.app.orchestration("reconcileDrift", reconcileDrift);
