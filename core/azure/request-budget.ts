/**
 * Spends ARM's per-subscription request budget evenly instead of running into 429s: an estimate of
 * each bucket (synced to answers' "remaining" headers, refilled at ARM's rate, charged per request)
 * holds a request until a token is there. Why and how: docs/arm-requests.md.
 */
import type { PipelinePolicy, PipelineResponse } from "@azure/core-rest-pipeline";
import { sleepUnlessAborted, type Sleep } from "./retry-policy";

export const ARM_REQUEST_BUDGET_POLICY = "openclawpsArmRequestBudgetPolicy";

export type RequestCategory = "reads" | "writes" | "deletes";

/** ARM's documented refill rates per subscription (tokens per second). */
export const ARM_REFILL_PER_SECOND: Record<RequestCategory, number> = { reads: 25, writes: 10, deletes: 10 };

export interface RequestBudgetOptions {
  sleep: Sleep;
  now?: () => number;
  /** Refill rates (tests); default ARM's documented ones. */
  refillPerSecond?: Partial<Record<RequestCategory, number>>;
  /**
   * Tokens left alone (default 2): ARM's bucket starts refilling only when a request reaches it,
   * later than this process counted it (network, a busy host), so the estimate runs a little ahead.
   */
  reserve?: number;
}

interface Bucket {
  /** Tokens left by our estimate; negative while requests queue for the refill. Unknown at first. */
  tokens?: number;
  /** The most ever reported left: the refill never fills beyond it. */
  capacity: number;
  at: number;
}

export function categoryOf(method: string): RequestCategory {
  return method === "GET" || method === "HEAD" ? "reads" : method === "DELETE" ? "deletes" : "writes";
}

export function armRequestBudgetPolicy(o: RequestBudgetOptions): PipelinePolicy {
  const now = o.now ?? Date.now;
  const rate = { ...ARM_REFILL_PER_SECOND, ...o.refillPerSecond };
  const reserve = Math.max(0, o.reserve ?? 2);
  const buckets: Record<RequestCategory, Bucket> = {
    reads: { capacity: 0, at: 0 },
    writes: { capacity: 0, at: 0 },
    deletes: { capacity: 0, at: 0 },
  };

  function refill(c: RequestCategory): Bucket {
    const b = buckets[c];
    const t = now();
    if (b.tokens !== undefined) {
      b.tokens = Math.min(Math.max(b.capacity, b.tokens), b.tokens + ((t - b.at) / 1000) * rate[c]);
    }
    b.at = t;
    return b;
  }

  /**
   * After an answer: ARM's count of what is left, when lower than ours (never raised by one: an
   * answer that overtook an earlier request's could say more is left than there is).
   */
  function learn(c: RequestCategory, response: PipelineResponse): void {
    const b = refill(c);
    const raw = response.headers.get(`x-ms-ratelimit-remaining-subscription-${c}`)?.trim();
    const left = raw ? Number(raw) : NaN;
    if (Number.isFinite(left)) {
      b.capacity = Math.max(b.capacity, left);
      b.tokens = b.tokens === undefined ? left : Math.min(b.tokens, left);
    } else if (response.status === 429 && /SubscriptionRequestsThrottled/.test(response.bodyAsText ?? "")) {
      b.tokens = Math.min(b.tokens ?? 0, 0);
    }
  }

  return {
    name: ARM_REQUEST_BUDGET_POLICY,
    async sendRequest(request, next) {
      const c = categoryOf(request.method);
      const b = refill(c);
      if (b.tokens !== undefined) {
        b.tokens -= 1;
        if (b.tokens < reserve) {
          const waitMs = Math.ceil(((reserve - b.tokens) / rate[c]) * 1000);
          await sleepUnlessAborted(o.sleep, waitMs, request.abortSignal);
        }
      }
      const response = await next(request);
      learn(c, response);
      return response;
    },
  };
}
