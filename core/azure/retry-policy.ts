/**
 * The gateway's one retry layer, installed in place of the SDK's default retry policy on both
 * clients. The SDK's own policy retries a 429 only when it carries Retry-After and sleeps on a real
 * timer; this one retries every request (initial calls and LRO polls alike) on 408/429/5xx and
 * transport failures, honours Retry-After (retry-after-ms, x-ms-retry-after-ms, Retry-After),
 * otherwise backs off exponentially with jitter, and sleeps through an injectable function so tests
 * do not wait for real. A Retry-After longer than `maxDelayMs` is not waited out in-process: the
 * answer is handed back and becomes a retryable ClawError carrying `retryAfterMs`.
 */
import type { PipelinePolicy, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";
import { describeFailure, isTransient, retryAfterMs } from "./errors";

export interface RetryOptions {
  /** Total tries of one request, the first included. */
  attempts: number;
  /** First backoff delay; doubles on each retry. */
  baseDelayMs: number;
  /** Longest backoff, and the longest Retry-After waited out in-process. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 30_000 };

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const ARM_RETRY_POLICY = "openclawpsArmRetryPolicy";

/** Exponential backoff with "equal jitter": half fixed, half random, capped. */
export function backoffMs(retry: number, o: RetryOptions, random: () => number = Math.random): number {
  const exp = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

/** Sleeps, but wakes with an AbortError when the request's signal fires. */
export function sleepUnlessAborted(
  sleep: Sleep,
  ms: number,
  signal: PipelineRequest["abortSignal"],
): Promise<void> {
  if (!signal) return sleep(ms);
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(abortError());
    signal.addEventListener("abort", onAbort, { once: true });
    sleep(ms).then(
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function abortError(): Error {
  const e = new Error("The operation was aborted.");
  e.name = "AbortError";
  return e;
}

function describeRequest(r: PipelineRequest): string {
  const path = new URL(r.url).pathname.replace(
    /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\//i,
    "",
  );
  return `${r.method} ${path}`;
}

export interface RetryPolicyOptions {
  retry: RetryOptions;
  sleep: Sleep;
  log: (message: string) => void;
  random?: () => number;
}

/** The pipeline policy; see the module comment. */
/**
 * 409s that only mean "an operation on this resource is still running" (e.g. our own earlier PUT
 * whose answer was lost to a timeout): waiting and sending the idempotent request again is right.
 */
const CONCURRENT_CONFLICT =
  /"code"\s*:\s*"(Conflict|OperationPreempted|AttachDiskWhileBeingDetached|RetryableErrorDueToAnotherOperation)"/;

export function armRetryPolicy(o: RetryPolicyOptions): PipelinePolicy {
  return {
    name: ARM_RETRY_POLICY,
    async sendRequest(request, next): Promise<PipelineResponse> {
      for (let attempt = 1; ; attempt++) {
        let response: PipelineResponse | undefined;
        let failure: unknown;
        try {
          response = await next(request);
        } catch (e) {
          failure = e;
        }
        if (request.abortSignal?.aborted) throw failure ?? abortError();
        let waitMs: number | undefined;
        let why: string;
        if (response) {
          const s = response.status;
          const busy = s === 409 && CONCURRENT_CONFLICT.test(response.bodyAsText ?? "");
          if (s !== 408 && s !== 429 && s < 500 && !busy) return response;
          waitMs = retryAfterMs((n) => response!.headers.get(n));
          why = busy ? "HTTP 409 (another operation on the resource is in progress)" : `HTTP ${s}`;
        } else {
          const f = describeFailure(failure);
          // An HTTP error thrown by a later policy, or a transport failure: retry only what passes.
          if (!f || !isTransient(f) || (failure as Error).name === "AbortError") throw failure;
          waitMs = f.retryAfterMs;
          why = f.code ?? (failure as Error).message;
        }
        if (attempt >= o.retry.attempts) {
          if (response) return response;
          throw failure;
        }
        if (waitMs !== undefined && waitMs > o.retry.maxDelayMs) {
          o.log(
            `azure: ${describeRequest(request)}: ${why} asks to wait ${waitMs} ms; not waiting in-process`,
          );
          if (response) return response;
          throw failure;
        }
        const delay = waitMs ?? backoffMs(attempt, o.retry, o.random);
        o.log(
          `azure: ${describeRequest(request)}: ${why}, retry ${attempt}/${o.retry.attempts - 1} in ${delay} ms` +
            (waitMs !== undefined ? " (Retry-After)" : ""),
        );
        await sleepUnlessAborted(o.sleep, delay, request.abortSignal);
      }
    },
  };
}
