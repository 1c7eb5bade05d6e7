/**
 * scheduleTick: one run of the park/wake schedule. The planning activity decides (and records the
 * skips); this saga runs the park/wake sagas as sub-orchestrations, at most FLEET_MAX_PARALLEL at
 * once so a fleet-wide park stays inside ARM's request limits, and ends with a digest. One claw's
 * failure never aborts the run.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import type { FleetDigest } from "../core/notify/port";
import type { TickDecision, TickItem } from "../core/fleet/schedule-tick";
import type { ScheduleTickInput } from "../core/sagas";
import { RECORD_RETRY } from "./saga-kit";
import { fanOut } from "./fan-out";
import { activityCalls, activityTask } from "./activity-calls";
import type { SagaActivities } from "./activities/types";

export function* scheduleTick(ctx: OrchestrationContext): Generator<Task, unknown, unknown> {
  const act = activityCalls<SagaActivities>(ctx);
  const input = ctx.df.getInput<ScheduleTickInput>();
  const decision = (yield* act.planScheduleTick(
    {
      tickAt: input.tickAt,
      isPastDue: input.isPastDue,
    },
    RECORD_RETRY,
  )) as TickDecision;
  const digest: FleetDigest = decision.digest;
  yield* fanOut(ctx, decision.items, {
    maxParallel: Math.max(1, input.maxParallel),
    stop: () => false,
    onStartTask: (item, operationId) => {
      const it = item as TickItem;
      return activityTask<SagaActivities, "recordScheduleSlot">(
        ctx,
        "recordScheduleSlot",
        {
          key: it.key,
          slot: it.slot,
          outcome: "started",
          operationId,
        },
        RECORD_RETRY,
      );
    },
    onOutcome: (item, o) => {
      const it = item as TickItem;
      const what = `${it.kind}`;
      if (o.status === "succeeded")
        digest.done.push({ claw: o.claw, detail: o.detail ? `${what}, ${o.detail}` : what });
      else if (o.status === "failed")
        digest.failed.push({ claw: o.claw, reason: `${what}: ${o.detail ?? ""}` });
      else {
        digest.skipped.push({ claw: o.claw, reason: `${what}: ${o.detail ?? ""}` });
        if (o.detail?.startsWith("DUPLICATE")) {
          return activityTask<SagaActivities, "recordScheduleSlot">(
            ctx,
            "recordScheduleSlot",
            {
              key: it.key,
              slot: it.slot,
              outcome: "handled by an earlier run",
            },
            RECORD_RETRY,
          );
        }
      }
      return undefined;
    },
  });
  yield* act.finishScheduleTick(
    {
      operationId: decision.operationId,
      tickAt: input.tickAt,
      digest,
    },
    RECORD_RETRY,
  );
  return digest;
}

df.app.orchestration("scheduleTick", scheduleTick);
