/**
 * Health sweep every 15 minutes: starts the healthSweep orchestration (one per quarter hour), which
 * runs verify.sh on every running claw and tells the operators when one goes from healthy to
 * failing. `AzureWebJobs.healthSweepTimer.Disabled=true` switches it off.
 */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import * as df from "durable-functions";
import { timerAttributes, traced } from "../traced";
import { startOncePerSlot } from "./start-once";
import { healthSweepInstanceId } from "../../core/sagas";

export const HEALTH_SWEEP_CRON = "0 7,22,37,52 * * * *";

export async function healthSweepTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const slot = new Date(Math.floor(Date.now() / 900_000) * 900_000).toISOString();
  const instanceId = healthSweepInstanceId(slot);
  await startOncePerSlot(context, "healthSweep", instanceId, { sweptAt: new Date().toISOString() });
}

app.timer("healthSweepTimer", {
  schedule: HEALTH_SWEEP_CRON,
  extraInputs: [df.input.durableClient()],
  handler: traced("timer", "healthSweepTimer", healthSweepTimer, { attributes: timerAttributes }),
});
