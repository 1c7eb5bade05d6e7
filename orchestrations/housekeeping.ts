/**
 * housekeeping: the daily retention run (core/housekeeping): optional backup snapshots, then old
 * snapshots and set-aside data disks deleted by the policy, never a claw's current data disk. One
 * activity: it lists, decides and deletes, each deletion idempotent ("not found" is success).
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import { ARM_RETRY } from "./saga-kit";

export function* housekeeping(ctx: OrchestrationContext): Generator<Task, unknown, unknown> {
  const input = ctx.df.getInput<{ at?: string }>() ?? {};
  const at = input.at ?? ctx.df.currentUtcDateTime.toISOString();
  return yield ctx.df.callActivityWithRetry("runHousekeeping", ARM_RETRY, { at });
}

df.app.orchestration("housekeeping", housekeeping);
