/**
 * Honouring Telegram's flood control. A 429 answer carries `parameters.retry_after` (seconds); the
 * Bot API expects the caller to wait exactly that long before the next call. This grammY transformer
 * does so for every method, within a budget, so a burst of notifications slows down instead of
 * being dropped, and a webhook answer is never held longer than its caller can afford.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { HttpError, type Transformer } from "grammy";

export interface RetryPolicy {
  /** Calls in all, the first included. */
  attempts: number;
  /** A retry_after longer than this is not waited for: the error is returned at once. */
  maxRetryAfterSeconds: number;
  /** Total time the retries may wait. */
  budgetMs: number;
  /** Also retry 5xx answers and network failures (at-least-once: a retried send may repeat). */
  retryServerErrors: boolean;
  /** Replaceable for tests. */
  sleep?: (ms: number) => Promise<unknown>;
}

/** Answers to chat commands: the webhook is waiting, so wait briefly or give up. */
export const REPLY_RETRY: RetryPolicy = {
  attempts: 2,
  maxRetryAfterSeconds: 3,
  budgetMs: 3_000,
  retryServerErrors: false,
};

/** Notifications: nobody waits on them, so honour longer pauses. */
export const NOTIFY_RETRY: RetryPolicy = {
  attempts: 5,
  maxRetryAfterSeconds: 60,
  budgetMs: 120_000,
  retryServerErrors: true,
};

const SERVER_BACKOFF_MS = [500, 2_000, 5_000, 10_000];

/** The grammY API transformer that applies `policy`. */
export function retryAfterTransformer(policy: RetryPolicy): Transformer {
  const wait = policy.sleep ?? ((ms: number) => sleep(ms));
  return async (prev, method, payload, signal) => {
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= policy.attempts;
      let res: Awaited<ReturnType<typeof prev>>;
      try {
        res = await prev(method, payload, signal);
      } catch (e) {
        const delay = SERVER_BACKOFF_MS[Math.min(attempt - 1, SERVER_BACKOFF_MS.length - 1)];
        if (
          last ||
          !policy.retryServerErrors ||
          !(e instanceof HttpError) ||
          waited + delay > policy.budgetMs
        )
          throw e;
        await wait(delay);
        waited += delay;
        continue;
      }
      if (res.ok || last) return res;
      let delay: number;
      if (res.error_code === 429) {
        const after = Number(res.parameters?.retry_after ?? 1);
        if (!(after >= 0) || after > policy.maxRetryAfterSeconds) return res;
        delay = after * 1000;
      } else if (res.error_code >= 500 && policy.retryServerErrors) {
        delay = SERVER_BACKOFF_MS[Math.min(attempt - 1, SERVER_BACKOFF_MS.length - 1)];
      } else {
        return res;
      }
      if (waited + delay > policy.budgetMs) return res;
      await wait(delay);
      waited += delay;
    }
  };
}
