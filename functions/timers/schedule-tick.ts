/**
 * The schedule tick: every 5 minutes (NCRONTAB, UTC; time zones are the schedule code's job since
 * WEBSITE_TIME_ZONE is not supported on Flex Consumption). Starts one scheduleTick saga per tick
 * time: a tick delivered twice starts nothing twice, and after downtime (isPastDue) the saga looks
 * back to the last tick that ran and acts on each claw's newest missed transition once. First it
 * frees claws whose claim outlived the command lease with no saga running (core/commands/saga.ts).
 */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import * as df from "durable-functions";
import { timerAttributes, traced } from "../traced";
import { startOncePerSlot } from "./start-once";
import { freeAbandonedClaims } from "../../core/commands";
import { fleetSettingsFrom } from "../../core/fleet/settings";
import { productionDeps } from "../http/deps";
import { scheduleTickInstanceId } from "../../core/sagas";

export const SCHEDULE_TICK_CRON = "0 */5 * * * *";
const TICK_MS = 5 * 60_000;

/** The tick's grid time: the 5-minute mark this invocation belongs to. */
export function tickTime(now: Date): string {
  return new Date(Math.floor(now.getTime() / TICK_MS) * TICK_MS).toISOString();
}

export async function scheduleTickTimer(timer: Timer, context: InvocationContext): Promise<void> {
  const tickAt = tickTime(new Date());
  const instanceId = scheduleTickInstanceId(tickAt);
  // Claws locked by a command that died before its saga started would be skipped as busy.
  await Promise.resolve()
    .then(() => freeAbandonedClaims(productionDeps(context)))
    .catch((e: unknown) =>
      context.warn(`freeing abandoned claims failed: ${e instanceof Error ? e.message : String(e)}`),
    );
  const run = await startOncePerSlot(context, "scheduleTick", instanceId, {
    tickAt,
    isPastDue: timer.isPastDue === true,
    maxParallel: fleetSettingsFrom().maxParallel,
  });
  if (!run.started) {
    context.info(`schedule tick ${tickAt} already ran (${run.existing})`);
    return;
  }
  context.info(`schedule tick ${tickAt} started${timer.isPastDue ? " (past due: catching up)" : ""}`);
}

app.timer("scheduleTickTimer", {
  schedule: SCHEDULE_TICK_CRON,
  runOnStartup: false,
  extraInputs: [df.input.durableClient()],
  handler: traced("timer", "scheduleTickTimer", scheduleTickTimer, { attributes: timerAttributes }),
});
