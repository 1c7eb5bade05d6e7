/**
 * Daily housekeeping: starts the housekeeping orchestration (one per UTC day), which takes the
 * optional backup snapshots and applies the retention policy to snapshots and set-aside data disks.
 * `AzureWebJobs.housekeepingTimer.Disabled=true` switches it off.
 */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import * as df from "durable-functions";
import { timerAttributes, traced } from "../traced";
import { startOncePerSlot } from "./start-once";
import { housekeepingInstanceId } from "../../core/sagas";

export const HOUSEKEEPING_CRON = "0 41 3 * * *";

export async function housekeepingTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const at = new Date().toISOString();
  const instanceId = housekeepingInstanceId(at.slice(0, 10));
  await startOncePerSlot(context, "housekeeping", instanceId, { at });
}

app.timer("housekeepingTimer", {
  schedule: HOUSEKEEPING_CRON,
  extraInputs: [df.input.durableClient()],
  handler: traced("timer", "housekeepingTimer", housekeepingTimer, { attributes: timerAttributes }),
});
