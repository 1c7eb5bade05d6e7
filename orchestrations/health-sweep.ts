/**
 * healthSweep: verify.sh on every running claw (core/health/sweep.ts), HEALTH_SWEEP_PARALLEL at
 * once, then one ending that
 * records the sweep and tells the operators of claws that went from healthy to failing, once.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import type { ClawHealth } from "../core/health/sweep";
import { RECORD_RETRY } from "./saga-kit";
import { activityCalls, activityTask } from "./activity-calls";
import type { SagaActivities } from "./activities/types";

export function* healthSweep(ctx: OrchestrationContext): Generator<Task, unknown, unknown> {
  const act = activityCalls<SagaActivities>(ctx);
  const input = ctx.df.getInput<{ sweptAt?: string }>() ?? {};
  const sweptAt = input.sweptAt ?? ctx.df.currentUtcDateTime.toISOString();
  const plan = (yield* act.planHealthSweep({ sweptAt }, RECORD_RETRY)) as {
    claws: string[];
    parallel: number;
  };
  // Batches of `parallel` (a Task.all each): the JS SDK schedules a task again when it is put into
  // a second Task.any (azure-functions-durable-js#574), which a sliding window over plain activity
  // tasks would do; a sweep's verifies take seconds each, so batches lose little.
  const results: ClawHealth[] = [];
  const size = Math.max(1, plan.parallel);
  for (let i = 0; i < plan.claws.length; i += size) {
    const batch = plan.claws
      .slice(i, i + size)
      .map((claw) =>
        activityTask<SagaActivities, "checkClawHealth">(ctx, "checkClawHealth", { claw, sweptAt }),
      );
    results.push(...((yield ctx.df.Task.all(batch)) as ClawHealth[]));
  }
  return yield* act.finishHealthSweep({ sweptAt, results }, RECORD_RETRY);
}

df.app.orchestration("healthSweep", healthSweep);
