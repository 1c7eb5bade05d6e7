/**
 * Typed saga → activity calls (orchestrations/activity-calls.ts): each call schedules the durable
 * action the retry asks for (none: callActivity; df.RetryOptions: callActivityWithRetry), and the
 * compiler checks inputs and results against the activities (the @ts-expect-error lines fail the
 * typecheck the day a wrong call compiles).
 */
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import { describe, expect, it } from "vitest";
import type { SagaActivities } from "../../orchestrations/activities/types";
import { activityCalls, activityTask } from "../../orchestrations/activity-calls";
import { RECORD_RETRY } from "../../orchestrations/saga-kit";

type Scheduled = { kind: string; name: string; input: unknown; retry?: df.RetryOptions };

/** A context that records what a saga schedules and answers each task with `answer`. */
function recordingContext(answer: unknown) {
  const scheduled: Scheduled[] = [];
  const task = (s: Scheduled) => (scheduled.push(s), { answer } as unknown as df.Task);
  const ctx = {
    df: {
      callActivity: (name: string, input: unknown) => task({ kind: "callActivity", name, input }),
      callActivityWithRetry: (name: string, retry: df.RetryOptions, input: unknown) =>
        task({ kind: "callActivityWithRetry", name, input, retry }),
    },
  } as unknown as OrchestrationContext;
  return { ctx, scheduled };
}

/** Runs a saga-like generator, answering every yielded task with its recorded answer. */
function drive<T>(g: Generator<df.Task, T, unknown>): T {
  let step = g.next();
  while (!step.done) step = g.next((step.value as unknown as { answer: unknown }).answer);
  return step.value;
}

describe("activityCalls", () => {
  it("call: without a retry schedules callActivity, with df.RetryOptions callActivityWithRetry", () => {
    const { ctx, scheduled } = recordingContext({ changed: ["settings"] });
    const act = activityCalls<SagaActivities>(ctx);
    const base = { op: "op-1", claw: "alice" };
    const changed = drive(act.deliverSecrets(base, RECORD_RETRY));
    drive(act.verify({ ...base, expectVersion: "1.2.0" }));
    expect(changed).toEqual({ changed: ["settings"] });
    expect(scheduled).toEqual([
      { kind: "callActivityWithRetry", name: "deliverSecrets", input: base, retry: RECORD_RETRY },
      { kind: "callActivity", name: "verify", input: { ...base, expectVersion: "1.2.0" } },
    ]);
  });

  it("activityTask: a plain task for Task.all, the same actions", () => {
    const { ctx, scheduled } = recordingContext(null);
    activityTask<SagaActivities, "checkClawHealth">(ctx, "checkClawHealth", { claw: "a", sweptAt: "t" });
    const park = { kind: "park", claw: "b", requestId: "r", channel: "timer", principal: "t" } as const;
    activityTask<SagaActivities, "startClawCommand">(ctx, "startClawCommand", park, RECORD_RETRY);
    expect(scheduled.map((s) => `${s.kind} ${s.name}`)).toEqual([
      "callActivity checkClawHealth",
      "callActivityWithRetry startClawCommand",
    ]);
  });
});

/** Never run: compiled only, so that the compiler proves it refuses wrong calls. */
export function* wrongCallsDoNotCompile(ctx: OrchestrationContext) {
  const act = activityCalls<SagaActivities>(ctx);
  // @ts-expect-error createVm needs the NIC and the version
  yield* act.createVm({ op: "o", claw: "c" });
  // @ts-expect-error a misspelt field
  yield* act.waitForSsh({ op: "o", claw: "c", snice: "2026-01-01T00:00:00Z" });
  // @ts-expect-error no activity of that name
  yield* act.createVM({ op: "o", claw: "c" });
  const disk = yield* act.ensureDisk({ op: "o", claw: "c", region: "westus", sizeGb: 64, diskName: "d" });
  // @ts-expect-error the result is the activity's: a disk has no nicId
  return disk.nicId;
}
