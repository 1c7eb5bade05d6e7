/**
 * How every gateway call runs: under a deadline (an AbortSignal handed to the SDK, so a hung
 * request or a long-running operation that never finishes is cancelled and reported as a retryable
 * AZURE_TIMEOUT), with failures mapped to ClawError. HTTP-level retries (429/5xx, Retry-After)
 * happen below, in the pipeline's retry policy; here a long-running operation that *ended* Failed
 * with a transient ARM code (InternalExecutionError, ...) is submitted again, a bounded number of
 * times, since its request was accepted and no HTTP retry could help.
 */
import { ClawError } from "../errors";
import { describeFailure, isNotFound, SERVICE_FAILURE_CODES, toClawError, type CallContext } from "./errors";
import { backoffMs, type RetryOptions, type Sleep } from "./retry-policy";

/** LRO outcomes worth submitting again; the others (conflicts, preemption, quota) go to the caller. */
const RESUBMIT_CODES = new Set(SERVICE_FAILURE_CODES.map((c) => c.toLowerCase()));

export interface Timeouts {
  /** Deadline of one plain request (GET, list), retries included. */
  requestMs: number;
  /** Deadline of one long-running operation, from the first request to the end of polling. */
  lroMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { requestMs: 120_000, lroMs: 20 * 60_000 };

export interface CallRunnerOptions {
  retry: RetryOptions;
  timeouts: Timeouts;
  sleep: Sleep;
  log: (message: string) => void;
}

export interface CallRunner {
  /** A plain request (no polling). */
  request<T>(ctx: CallContext, fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** A read whose "not found" is an answer: undefined instead of an error. */
  find<T>(ctx: CallContext, fn: (signal: AbortSignal) => Promise<T>): Promise<T | undefined>;
  /** A long-running operation: `fn` starts it and waits for its end (pollUntilDone with the signal). */
  lro<T>(ctx: CallContext, fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

/** Runs `fn` with a signal that fires after `ms`; a late answer becomes AZURE_TIMEOUT. */
async function withDeadline<T>(
  ms: number,
  ctx: CallContext,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const where = ctx.resource ? `${ctx.operation} ${ctx.resource}` : ctx.operation;
      reject(
        new ClawError("AZURE_TIMEOUT", `${where}: no result from Azure within ${ms} ms; cancelled.`, {
          retryable: true,
          details: { ...ctx, timeoutMs: ms },
        }),
      );
      controller.abort();
    }, ms);
  });
  try {
    // Promise.race keeps a handler on the loser, so the SDK's AbortError after the deadline is not unhandled.
    return await Promise.race([fn(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function createCallRunner(o: CallRunnerOptions): CallRunner {
  async function request<T>(ctx: CallContext, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await withDeadline(o.timeouts.requestMs, ctx, fn);
    } catch (e) {
      throw toClawError(e, ctx);
    }
  }
  return {
    request,
    async find(ctx, fn) {
      try {
        return await request(ctx, fn);
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },

    async lro(ctx, fn) {
      const started = Date.now();
      for (let attempt = 1; ; attempt++) {
        const remaining = o.timeouts.lroMs - (Date.now() - started);
        try {
          return await withDeadline(Math.max(1, remaining), { ...ctx, attempts: attempt }, fn);
        } catch (e) {
          const f = describeFailure(e);
          const resubmit = f?.lroFailed === true && RESUBMIT_CODES.has((f.code ?? "").toLowerCase());
          if (!resubmit || attempt >= o.retry.attempts) throw toClawError(e, { ...ctx, attempts: attempt });
          const delay = backoffMs(attempt, o.retry);
          o.log(`azure: ${ctx.operation}: operation failed with ${f.code}, submitting again in ${delay} ms`);
          await o.sleep(delay);
        }
      }
    },
  };
}
