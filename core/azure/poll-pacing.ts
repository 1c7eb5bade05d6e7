/**
 * Honours the Retry-After of a long-running operation's *first* answer. ARM's 201/202 carries the
 * status URL (Azure-AsyncOperation or Location) and often a Retry-After (Compute sends 10 s on a
 * VM PUT), but the SDK's poller ignores it and polls at once (notes: "the initial response's
 * Retry-After is ignored"); every such early poll is one more token from the subscription's read
 * bucket (250, +25/s), which a fleet-wide park spends 300 times. Later polls already follow
 * Retry-After (the poller reads it from each poll answer). So this policy remembers, per status
 * URL, when the first answer said to come back, and holds the first GET of that URL until then
 * (never longer than `maxDelayMs`, and waking at once when the request is aborted). Without a
 * Retry-After the first poll waits the client's poll interval, as every later one does.
 */
import type { PipelinePolicy, PipelineRequest } from "@azure/core-rest-pipeline";
import { retryAfterMs } from "./errors";
import { sleepUnlessAborted, type Sleep } from "./retry-policy";

export const ARM_POLL_PACING_POLICY = "openclawpsArmPollPacingPolicy";

export interface PollPacingOptions {
  sleep: Sleep;
  /**
   * First-poll hold when the 201/202 carries no Retry-After: the client's own poll interval, which
   * the SDK waits between later polls but not before the first (0: no hold).
   */
  defaultDelayMs?: number;
  /** Longest first-poll hold (a longer Retry-After is cut to this). */
  maxDelayMs: number;
  now?: () => number;
  /** Entries kept at most (status URLs of operations never polled are forgotten oldest first). */
  maxEntries?: number;
}

/** A status URL without its api-version (the SDK adds one when the URL lacks it). */
function key(url: string): string {
  const u = new URL(url);
  u.searchParams.delete("api-version");
  u.searchParams.sort();
  return `${u.host}${u.pathname.toLowerCase()}?${u.searchParams.toString()}`;
}

export function armPollPacingPolicy(o: PollPacingOptions): PipelinePolicy {
  const now = o.now ?? Date.now;
  const maxEntries = o.maxEntries ?? 10_000;
  /** Status URL → earliest time of its first poll. */
  const notBefore = new Map<string, number>();

  async function hold(request: PipelineRequest): Promise<void> {
    if (request.method !== "GET" || notBefore.size === 0) return;
    const k = key(request.url);
    const at = notBefore.get(k);
    if (at === undefined) return;
    notBefore.delete(k);
    const wait = Math.min(at - now(), o.maxDelayMs);
    if (wait > 0) await sleepUnlessAborted(o.sleep, wait, request.abortSignal);
  }

  return {
    name: ARM_POLL_PACING_POLICY,
    async sendRequest(request, next) {
      await hold(request);
      const response = await next(request);
      if (request.method === "GET" || (response.status !== 201 && response.status !== 202)) {
        return response;
      }
      const wait = retryAfterMs((n) => response.headers.get(n), now()) ?? o.defaultDelayMs;
      if (!wait) return response;
      const at = now() + wait;
      for (const h of ["azure-asyncoperation", "operation-location", "location"]) {
        const url = response.headers.get(h);
        if (!url) continue;
        try {
          notBefore.set(key(new URL(url, request.url).toString()), at);
        } catch {
          /* not a URL: nothing to pace */
        }
      }
      while (notBefore.size > maxEntries) notBefore.delete(notBefore.keys().next().value as string);
      return response;
    },
  };
}
