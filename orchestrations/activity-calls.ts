/**
 * Typed saga → activity calls, as Temporal's proxyActivities gives them: `yield* act.createVm(input)`
 * is checked by the compiler against the activity's own signature (input and result), so a saga
 * cannot pass a misspelt field or misread a result. Deterministic: only durable actions
 * (callActivity, callActivityWithRetry, createTimer) are scheduled.
 *
 * A call's retry is either a RetryProfile, retried here so that an answer that cannot change (the
 * image version does not exist, the disk belongs to another VM, a downgrade was refused) ends the
 * step at once instead of being asked again three times; or the framework's df.RetryOptions
 * (callActivityWithRetry, every failure retried); or none (callActivity).
 */
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import { failureOf, type Failure } from "./failure";

/** A retry profile: attempts in all, the first wait, its growth and its cap. */
export interface RetryProfile {
  attempts: number;
  firstMs: number;
  backoff?: number;
  maxMs?: number;
  /** Further codes this call must not repeat (its own answer, not a passing condition). */
  final?: readonly string[];
}

/** Failures that repeating the same activity cannot change. */
const DEFINITIVE = new Set([
  "BAD_REQUEST",
  "NOT_FOUND",
  "CLAW_NOT_FOUND",
  "IMAGE_NOT_FOUND",
  "IMAGE_NOT_READY",
  "ALREADY_ON_VERSION",
  "DOWNGRADE_REFUSED",
  "DISK_ATTACHED_ELSEWHERE",
]);

export function isDefinitive(f: Failure): boolean {
  return !f.retryable && DEFINITIVE.has(f.code);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- activity inputs are any JSON shape
type AnyActivity = (input: any) => Promise<unknown>;

/** How a call is retried: here (a profile), by the framework (df.RetryOptions), or not at all. */
export type CallRetry = RetryProfile | df.RetryOptions;

/** The input an activity of a family takes. */
export type InputOf<A, K extends keyof A> = A[K] extends AnyActivity ? Parameters<A[K]>[0] : never;

/** The typed calls of a family of activities. */
export type ActivityCalls<A> = {
  [K in keyof A]: A[K] extends AnyActivity
    ? (
        input: Parameters<A[K]>[0],
        retry?: CallRetry,
      ) => Generator<df.Task, Awaited<ReturnType<A[K]>>, unknown>
    : never;
};

/** Waits of a retry profile: attempt n (1-based) waits firstMs × backoff^(n−1), capped. */
export function retryDelayMs(p: RetryProfile, attempt: number): number {
  const d = p.firstMs * Math.pow(p.backoff ?? 2, attempt - 1);
  return Math.min(d, p.maxMs ?? 60_000);
}

/**
 * Calls activity `name` with `input`: with a profile, retried except on a definitive failure; with
 * df.RetryOptions, retried by the framework.
 */
export function* callActivity<T>(
  ctx: OrchestrationContext,
  name: string,
  input: unknown,
  retry?: CallRetry,
): Generator<df.Task, T, unknown> {
  if (retry === undefined || retry instanceof df.RetryOptions)
    return (yield durableTask(ctx, name, input, retry)) as T;
  for (let attempt = 1; ; attempt++) {
    try {
      return (yield ctx.df.callActivity(name, input)) as T;
    } catch (e) {
      const f = failureOf(e);
      if (!retry || attempt >= retry.attempts || isDefinitive(f) || retry.final?.includes(f.code)) throw e;
      // Created right after the failure, so the dev host knows it for a retry wait.
      const at = ctx.df.currentUtcDateTime.getTime() + retryDelayMs(retry, attempt);
      yield ctx.df.createTimer(new Date(at));
    }
  }
}

/** A proxy whose every property is a typed call of the activity of that name. */
export function activityCalls<A>(ctx: OrchestrationContext): ActivityCalls<A> {
  return new Proxy({} as ActivityCalls<A>, {
    get: (_target, name) => (input: unknown, retry?: CallRetry) =>
      callActivity(ctx, String(name), input, retry),
  });
}

/**
 * One activity as a plain durable task (a profile becomes framework retries, on any failure), for
 * running several side by side in Task.all; the compiler still checks the input against the
 * activity: `activityTask<SagaActivities, "checkClawHealth">(ctx, "checkClawHealth", input)`.
 */
export function activityTask<A, K extends keyof A & string>(
  ctx: OrchestrationContext,
  name: K,
  input: InputOf<A, K>,
  retry?: CallRetry,
): df.Task {
  return durableTask(ctx, name, input, retry);
}

function durableTask(ctx: OrchestrationContext, name: string, input: unknown, retry?: CallRetry): df.Task {
  if (retry === undefined) return ctx.df.callActivity(name, input);
  if (retry instanceof df.RetryOptions) return ctx.df.callActivityWithRetry(name, retry, input);
  const r = new df.RetryOptions(retryDelayMs(retry, 1), retry.attempts);
  r.backoffCoefficient = retry.backoff ?? 2;
  r.maxRetryIntervalInMilliseconds = retry.maxMs ?? 60_000;
  return ctx.df.callActivityWithRetry(name, r, input);
}
