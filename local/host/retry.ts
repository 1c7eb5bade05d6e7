/**
 * Function retry policies (`retry` in the function options: fixedDelay or exponentialBackoff), as the
 * host applies them to timer triggers: the invocation is repeated up to maxRetryCount times (-1:
 * forever) and every attempt carries a retryContext the handler can read.
 */
import type { RegisteredFunction } from "./registry";
import type { RpcRetryContext } from "./rpc-types";

interface RetryOptions {
  retryStrategy?: string;
  maxRetryCount?: number;
  delayInterval?: { seconds?: number } | null;
  minimumInterval?: { seconds?: number } | null;
  maximumInterval?: { seconds?: number } | null;
}

/** The wait before retry number `retry` (1-based), or undefined when the policy allows no more. */
export function retryDelayMs(options: RetryOptions | undefined, retry: number): number | undefined {
  if (!options) return undefined;
  const max = options.maxRetryCount ?? 0;
  if (max !== -1 && retry > max) return undefined;
  const ms = (d: { seconds?: number } | null | undefined) => (d?.seconds ?? 0) * 1000;
  if (options.retryStrategy === "exponentialBackoff") {
    const min = ms(options.minimumInterval);
    const cap = Math.max(min, ms(options.maximumInterval));
    return Math.min(cap, min * 2 ** (retry - 1));
  }
  return ms(options.delayInterval);
}

/**
 * Runs `attempt` under the function's retry policy. Rejects with the last error; stops retrying
 * (and rejects) as soon as `signal` aborts.
 */
export async function runWithRetryPolicy<T>(
  fn: RegisteredFunction,
  attempt: (retryContext: RpcRetryContext | undefined) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const options = fn.metadata.retryOptions as RetryOptions | undefined;
  if (!options) return attempt(undefined);
  const maxRetryCount = options.maxRetryCount ?? 0;
  let exception: RpcRetryContext["exception"];
  for (let retryCount = 0; ; retryCount++) {
    try {
      return await attempt({ retryCount, maxRetryCount, ...(exception ? { exception } : {}) });
    } catch (err) {
      const delay = retryDelayMs(options, retryCount + 1);
      if (delay === undefined || signal?.aborted) throw err;
      const e = err instanceof Error ? err : new Error(String(err));
      exception = { message: e.message, source: fn.name, stackTrace: e.stack };
      await sleep(delay, signal);
      if (signal?.aborted) throw err;
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
