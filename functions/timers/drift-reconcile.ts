/**
 * Hourly drift reconcile: starts the reconcileDrift saga (one per hour), which compares Azure with
 * the Claws table, records drift and tells the operators. It never changes Azure.
 */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import * as df from "durable-functions";
import { timerAttributes, traced } from "../traced";
import { startOncePerSlot } from "./start-once";
import { driftInstanceId } from "../../core/sagas";

export const DRIFT_CRON = "0 17 * * * *";

export async function driftReconcileTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
  const instanceId = driftInstanceId(hour);
  await startOncePerSlot(context, "reconcileDrift", instanceId, { checkedAt: new Date().toISOString() });
}

app.timer("driftReconcileTimer", {
  schedule: DRIFT_CRON,
  extraInputs: [df.input.durableClient()],
  handler: traced("timer", "driftReconcileTimer", driftReconcileTimer, { attributes: timerAttributes }),
});
