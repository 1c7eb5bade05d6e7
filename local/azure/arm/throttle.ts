/**
 * ARM throttling as token buckets: ARM's own per-subscription read/write/delete buckets, and the
 * Compute RP's named policies (PutVM, UpdateVM, ...) per subscription and per resource. An empty
 * bucket yields a 429 with Retry-After, in the body shape each layer really uses.
 */
import type { Clock } from "../clock";
import { ArmError } from "./errors";

export interface BucketSpec {
  capacity: number;
  refillPerSecond: number;
}

/** ARM front door limits per subscription (request-limits-and-throttling, current model). */
export const ARM_BUCKETS: Record<"reads" | "writes" | "deletes", BucketSpec> = {
  reads: { capacity: 250, refillPerSecond: 25 },
  writes: { capacity: 200, refillPerSecond: 10 },
  deletes: { capacity: 200, refillPerSecond: 10 },
};

function perMinute(refill: number, max: number): BucketSpec {
  return { capacity: max, refillPerSecond: refill / 60 };
}

/** Compute RP policies (compute-throttling-limits.md): per resource and per subscription. */
export const COMPUTE_POLICIES: Record<string, { resource?: BucketSpec; subscription: BucketSpec }> = {
  PutVM: { resource: perMinute(4, 12), subscription: perMinute(500, 1500) },
  UpdateVM: { resource: perMinute(4, 12), subscription: perMinute(500, 1500) },
  DeleteVM: { resource: perMinute(4, 12), subscription: perMinute(500, 1500) },
  LowCostGet: { resource: perMinute(12, 36), subscription: perMinute(8000, 24000) },
  HighCostGet: { subscription: perMinute(300, 900) },
  GetOperation: { resource: perMinute(15, 45), subscription: perMinute(5000, 15000) },
  CreateUpdateDisks: { resource: perMinute(4, 12), subscription: perMinute(500, 1500) },
  DeleteDisks: { resource: perMinute(4, 12), subscription: perMinute(500, 1500) },
  GetDisks: { subscription: perMinute(8000, 24000) },
};

export interface ThrottleOptions {
  /** false turns throttling off entirely. */
  enabled?: boolean;
  /** Override bucket sizes (e.g. tiny buckets to provoke 429s in a test). */
  arm?: Partial<typeof ARM_BUCKETS>;
  compute?: Partial<typeof COMPUTE_POLICIES>;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class Throttle {
  private readonly buckets = new Map<string, Bucket>();
  private readonly arm: typeof ARM_BUCKETS;
  private readonly compute: typeof COMPUTE_POLICIES;

  constructor(
    private readonly clock: Clock,
    private readonly options: ThrottleOptions = {},
  ) {
    this.arm = { ...ARM_BUCKETS, ...options.arm };
    this.compute = { ...COMPUTE_POLICIES, ...options.compute } as typeof COMPUTE_POLICIES;
  }

  /**
   * Charges one request. Returns the rate-limit headers to send, or throws the 429 ArmError.
   * `policy`/`resourceId` name the Compute policy the request also draws from.
   */
  charge(
    subscriptionId: string,
    method: string,
    policy?: string,
    resourceId?: string,
  ): Record<string, string> {
    if (this.options.enabled === false) return {};
    const category = method === "GET" ? "reads" : method === "DELETE" ? "deletes" : "writes";
    const headers: Record<string, string> = {};
    const armKey = `arm|${subscriptionId}|${category}`.toLowerCase();
    const arm = this.take(armKey, this.arm[category]);
    if (arm.retryAfterMs !== undefined) {
      throw new ArmError(
        429,
        "SubscriptionRequestsThrottled",
        `Number of '${category.replace(/s$/, "")}' requests for subscription '${subscriptionId}' exceeded. ` +
          `Please try again after '${seconds(arm.retryAfterMs)}' seconds after additional tokens are available. ` +
          "Refer to https://aka.ms/arm-throttling for additional information.",
        { headers: { "retry-after": String(seconds(arm.retryAfterMs)) } },
      );
    }
    headers[`x-ms-ratelimit-remaining-subscription-${category}`] = String(arm.remaining);
    const spec = policy ? this.compute[policy] : undefined;
    if (!policy || !spec) return headers;
    const checks: [string, BucketSpec][] = [
      [`cp|${subscriptionId}|${policy}`.toLowerCase(), spec.subscription],
    ];
    if (spec.resource && resourceId) checks.push([`cr|${resourceId}|${policy}`.toLowerCase(), spec.resource]);
    let remaining = Infinity;
    for (const [k, s] of checks) {
      // Peek first so a request refused by one bucket does not drain the other.
      const r = this.peek(k, s);
      if (r.retryAfterMs !== undefined) throw computeThrottled(policy, s, r.retryAfterMs, this.clock.now());
    }
    for (const [k, s] of checks) remaining = Math.min(remaining, this.take(k, s).remaining);
    headers["x-ms-ratelimit-remaining-resource"] =
      `Microsoft.Compute/${policy}3Min;${remaining},Microsoft.Compute/${policy}30Min;${remaining}`;
    return headers;
  }

  private refill(k: string, spec: BucketSpec): Bucket {
    const now = this.clock.now();
    const b = this.buckets.get(k) ?? { tokens: spec.capacity, at: now };
    b.tokens = Math.min(spec.capacity, b.tokens + ((now - b.at) / 1000) * spec.refillPerSecond);
    b.at = now;
    this.buckets.set(k, b);
    return b;
  }

  private peek(k: string, spec: BucketSpec): { remaining: number; retryAfterMs?: number } {
    const b = this.refill(k, spec);
    if (b.tokens >= 1) return { remaining: Math.floor(b.tokens - 1) };
    return { remaining: 0, retryAfterMs: ((1 - b.tokens) / spec.refillPerSecond) * 1000 };
  }

  private take(k: string, spec: BucketSpec): { remaining: number; retryAfterMs?: number } {
    const r = this.peek(k, spec);
    if (r.retryAfterMs === undefined) this.buckets.get(k)!.tokens -= 1;
    return r;
  }
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function computeThrottled(policy: string, spec: BucketSpec, retryAfterMs: number, now: number): ArmError {
  const detail = {
    operationGroup: `${policy}3Min`,
    startTime: new Date(now - 180_000).toISOString(),
    endTime: new Date(now).toISOString(),
    allowedRequestCount: spec.capacity,
    measuredRequestCount: spec.capacity + 1,
  };
  return new ArmError(
    429,
    "OperationNotAllowed",
    "The server rejected the request because too many requests have been received for this subscription.",
    {
      details: [{ code: "TooManyRequests", target: `${policy}3Min`, message: JSON.stringify(detail) }],
      headers: {
        "retry-after": String(seconds(retryAfterMs)),
        "x-ms-ratelimit-remaining-resource": `Microsoft.Compute/${policy}3Min;0`,
      },
    },
  );
}
