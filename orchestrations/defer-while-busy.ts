/**
 * deferWhileBusy: before a park or an upgrade stops the agent, ask it whether it is mid-task; while
 * it is, wait on a durable timer and ask again, bounded by AGENT_BUSY_MAX_DEFER_MINUTES; then
 * proceed and say so. `force` skips the question. Deterministic: the clock is the orchestration's,
 * the policy comes back with the activity's answer. Usage inside a saga body:
 *   const d = yield* deferWhileBusy(ctx, base, { action: "upgrade", force: input.params.force }, mark);
 *   // ... then stop the agent; put d.deferredBySeconds into the operation's details.
 */
import type { OrchestrationContext, Task } from "durable-functions";
import type { FleetNotification } from "../core/notify/port";
import type { AgentBusyAnswer } from "./activities/busy-activities";
import { RECORD_RETRY, type Mark } from "./saga-kit";
import { activityCalls } from "./activity-calls";
import type { SagaActivities } from "./activities/types";

export interface DeferResult {
  /** Seconds the saga waited for the agent (0 when it was idle or `force` was given). */
  deferredBySeconds: number;
  /** The bound was reached with the agent still busy. */
  boundReached: boolean;
  /** How often the agent was asked (0 with `force`). */
  asked: number;
  /** Why the saga went on (the agent's last answer, or "force"). */
  detail: string;
}

export function* deferWhileBusy(
  ctx: OrchestrationContext,
  base: { op: string; claw: string },
  o: { action: "park" | "upgrade"; force?: boolean },
  mark: Mark = () => undefined,
): Generator<Task, DeferResult, unknown> {
  const act = activityCalls<SagaActivities>(ctx);
  if (o.force) return { deferredBySeconds: 0, boundReached: false, asked: 0, detail: "force: not asked" };
  mark("defer-while-busy");
  const start = ctx.df.currentUtcDateTime.getTime();
  let asked = 0;
  let waited = false;
  let boundReached = false;
  let last: AgentBusyAnswer;
  for (;;) {
    // The activity answers known:false rather than fail for an agent it cannot ask; the retry is
    // for the table read in front of it.
    last = (yield* act.askAgentBusy(base, RECORD_RETRY)) as AgentBusyAnswer;
    asked++;
    if (!last.busy) break;
    const now = ctx.df.currentUtcDateTime.getTime();
    const left = last.maxDeferSeconds * 1000 - (now - start);
    if (left <= 0) {
      boundReached = true;
      break;
    }
    if (!waited) {
      waited = true;
      const event: FleetNotification = {
        kind: "agent-busy",
        claw: base.claw,
        action: o.action,
        operationId: base.op,
        maxMinutes: Math.round(last.maxDeferSeconds / 6) / 10,
        detail: last.detail,
      };
      try {
        yield* act.notifyFleet(event);
      } catch {
        // a notification never changes the saga's course
      }
    }
    mark("defer-while-busy", `agent busy (${last.detail}); asking again`);
    yield ctx.df.createTimer(new Date(now + Math.min(last.pollSeconds * 1000, left)));
  }
  const deferredBySeconds =
    waited || boundReached ? Math.round((ctx.df.currentUtcDateTime.getTime() - start) / 1000) : 0;
  const result: DeferResult = { deferredBySeconds, boundReached, asked, detail: last.detail };
  if (waited || boundReached || !last.known) {
    yield* act.recordDeferral({ ...base, ...result }, RECORD_RETRY);
  }
  return result;
}
