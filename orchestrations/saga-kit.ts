/**
 * Small deterministic helpers shared by the sagas: retry profiles, reading an activity failure's
 * code, and custom status. No I/O here.
 */
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import type { SagaInput, SagaProgress } from "../core/sagas";
import { reportedInFleetDigest } from "../core/notify/port";
import { failureOf } from "./failure";
import { activityCalls, type CallRetry, type RetryProfile } from "./activity-calls";
import type { SagaActivities } from "./activities/types";

/** Framework retry options with the production intervals. */
export function retry(firstMs: number, attempts: number, backoff = 2, maxMs = 60_000): df.RetryOptions {
  const r = new df.RetryOptions(firstMs, attempts);
  r.backoffCoefficient = backoff;
  r.maxRetryIntervalInMilliseconds = maxMs;
  return r;
}

/** ARM mutations: the gateway already retries 429/5xx; this is the second net for transient failures. */
export const ARM_RETRY = retry(2_000, 3);
/** Table-only bookkeeping. */
export const RECORD_RETRY = retry(500, 5);
/** SSH steps: the guest client waits for boot itself; retry once more for a dropped connection. */
export const SSH_RETRY = retry(3_000, 2);
/**
 * verify.sh over SSH: a dropped connection or a timed-out handshake is asked once more; failed
 * checks are the claw's answer and end the step.
 */
export const VERIFY_RETRY: RetryProfile = { attempts: 2, firstMs: 3_000, final: ["VERIFY_FAILED"] };

export { failureOf, type Failure } from "./failure";

/** Publish progress for GET /operations/{id}. */
export function progress(
  ctx: OrchestrationContext,
  operationId: string,
  step: string,
  detail?: string,
): void {
  const p: SagaProgress = { operationId, step, ...(detail ? { detail } : {}) };
  ctx.df.setCustomStatus(p);
}

/**
 * Tells the operators how an operation ended (after finishOperation). A notification that cannot
 * be sent never changes the saga's outcome: the activity reports its own failures, and anything it
 * throws is swallowed here on purpose. A success inside a fleet run is left to the run's digest
 * without an activity call (a fleet-wide park would otherwise spend a step per claw on nothing).
 */
export function* notifyOperators(
  ctx: OrchestrationContext,
  input: Pick<SagaInput, "operationId" | "channel" | "requestId">,
  succeeded: boolean,
): Generator<df.Task, void, unknown> {
  const act = activityCalls<SagaActivities>(ctx);
  if (succeeded && reportedInFleetDigest(input)) return;
  try {
    yield* act.notifyOperators({ op: input.operationId });
  } catch {
    // recorded by the activity / host log; the operation record is already final
  }
}

/** Marks the saga's current step (for the failure record) and publishes it as progress. */
export type Mark = (step: string, detail?: string) => void;

type Body = (
  ctx: OrchestrationContext,
  input: SagaInput,
  mark: Mark,
) => Generator<df.Task, Record<string, unknown> | undefined, never>;

/**
 * Runs a saga body with the common ending: finishOperation succeeded (with the body's result as
 * details) or failed (with the step it was at), the claw freed, the operators told.
 */
export function saga(body: Body) {
  return function* run(ctx: OrchestrationContext): Generator<df.Task, unknown, never> {
    const act = activityCalls<SagaActivities>(ctx);
    const input = ctx.df.getInput<SagaInput>();
    const base = { op: input.operationId, claw: input.claw };
    let step = "load";
    const mark: Mark = (s, detail) => {
      step = s;
      progress(ctx, input.operationId, s, detail);
    };
    try {
      const details: Record<string, unknown> | undefined = yield* body(ctx, input, mark);
      progress(ctx, input.operationId, "done");
      yield* act.finishOperation(
        {
          ...base,
          status: "succeeded",
          details,
        },
        RECORD_RETRY,
      );
      yield* notifyOperators(ctx, input, true);
      return { status: "succeeded", ...details };
    } catch (e) {
      const f = failureOf(e);
      progress(ctx, input.operationId, "failed", `${step}: ${f.message}`);
      yield* act.finishOperation(
        {
          ...base,
          status: "failed",
          error: { code: f.code, message: f.message, step },
        },
        RECORD_RETRY,
      );
      yield* notifyOperators(ctx, input, false);
      return { status: "failed", step, error: f };
    }
  };
}

/**
 * A VM that was just created or started, brought into service: wait until boot.sh is done on a
 * boot after `since`, deliver the secrets (if changed), verify (against `expectVersion`). The SSH
 * steps retry with `sshRetry`.
 */
export function* bringUp(
  ctx: OrchestrationContext,
  base: { op: string; claw: string },
  o: { since: string; expectVersion?: string },
  mark: Mark = () => undefined,
  sshRetry: CallRetry = SSH_RETRY,
): Generator<df.Task, void, unknown> {
  const act = activityCalls<SagaActivities>(ctx);
  mark("wait-for-boot");
  yield* act.waitForSsh({ ...base, since: o.since }, sshRetry);
  mark("deliver-secrets");
  yield* act.deliverSecrets(base, sshRetry);
  mark("verify");
  yield* act.verify(
    {
      ...base,
      ...(o.expectVersion ? { expectVersion: o.expectVersion } : {}),
    },
    VERIFY_RETRY,
  );
}
