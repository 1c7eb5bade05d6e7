/**
 * healthSweep: verify.sh on every running claw (core/health/sweep.ts), HEALTH_SWEEP_PARALLEL at
 * once, then one ending that
 * records the sweep and tells the operators of claws that went from healthy to failing, once.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import type { ClawHealth } from "../core/health/sweep";
import { RECORD_RETRY } from "./saga-kit";

export function* healthSweep(ctx: OrchestrationContext): Generator<Task, unknown, unknown> {
  const input = ctx.df.getInput<{ sweptAt?: string }>() ?? {};
  const sweptAt = input.sweptAt ?? ctx.df.currentUtcDateTime.toISOString();
  const plan = (yield ctx.df.callActivityWithRetry("planHealthSweep", RECORD_RETRY, { sweptAt })) as {
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
      .map((claw) => ctx.df.callActivity("checkClawHealth", { claw, sweptAt }));
    results.push(...((yield ctx.df.Task.all(batch)) as ClawHealth[]));
  }
  return yield ctx.df.callActivityWithRetry("finishHealthSweep", RECORD_RETRY, { sweptAt, results });
}

df.app.orchestration("healthSweep", healthSweep);
