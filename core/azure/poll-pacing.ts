/**
 * Paces the polls of long-running operations to spend fewer read tokens: the first poll waits for
 * the first answer's Retry-After (the SDK's poller ignores it), later polls without one back off
 * after `steadyPolls`. Why and how: docs/arm-requests.md.
 */
import type { PipelinePolicy, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";
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
  /** Longest gap between polls answered "still running" without Retry-After, in intervals; default 8. */
  maxGapFactor?: number;
  /** Polls answered "still running" that are followed at the plain interval; default 2. */
  steadyPolls?: number;
}

/** Still running: a 202, or a status body whose status is not terminal (ARM's async-operation shape). */
function stillRunning(response: PipelineResponse): boolean {
  if (response.status === 202) return true;
  if (response.status !== 200) return false;
  const m = /"status"\s*:\s*"([A-Za-z]+)"/.exec(response.bodyAsText ?? "");
  return m !== null && !["succeeded", "failed", "canceled", "cancelled"].includes(m[1].toLowerCase());
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
  const interval = o.defaultDelayMs ?? 0;
  const maxGap = interval * Math.max(1, o.maxGapFactor ?? 8);
  const steady = Math.max(0, o.steadyPolls ?? 2);
  /** Status URL → earliest time of its next poll, and how many polls answered "still running". */
  const next = new Map<string, { at: number; polls: number }>();

  function remember(k: string, at: number, polls: number): void {
    next.delete(k);
    next.set(k, { at, polls });
    while (next.size > maxEntries) next.delete(next.keys().next().value as string);
  }

  /** Waits until the poll's earliest time (never longer than maxDelayMs). */
  async function hold(request: PipelineRequest, at: number): Promise<void> {
    const wait = Math.min(at - now(), o.maxDelayMs);
    if (wait > 0) await sleepUnlessAborted(o.sleep, wait, request.abortSignal);
  }

  return {
    name: ARM_POLL_PACING_POLICY,
    async sendRequest(request, nextPolicy) {
      if (request.method === "GET") {
        const k = next.size > 0 ? key(request.url) : "";
        const entry = k ? next.get(k) : undefined;
        if (!entry) return nextPolicy(request);
        await hold(request, entry.at);
        const response = await nextPolicy(request);
        const polls = entry.polls + 1;
        if (!stillRunning(response)) {
          next.delete(k); // finished: the result GET that may follow is not held
        } else if (retryAfterMs((n) => response.headers.get(n), now()) !== undefined) {
          remember(k, now(), polls); // the SDK waits the advertised time itself
        } else {
          // The SDK waits one interval before the next poll; the hold makes up the rest of a gap
          // that grows by half per poll after the steady ones.
          const gap = Math.min(maxGap, interval * 1.5 ** Math.max(0, polls - steady));
          remember(k, now() + Math.round(gap), polls);
        }
        return response;
      }
      const response = await nextPolicy(request);
      if (response.status < 200 || response.status > 202) return response;
      const urls = ["azure-asyncoperation", "operation-location", "location"]
        .map((h) => response.headers.get(h))
        .filter((u): u is string => Boolean(u));
      // A 200/201 without a status URL is done; a 201/202 Location alone is an operation too.
      if (urls.length === 0 || (response.status === 200 && !response.headers.get("azure-asyncoperation"))) {
        return response;
      }
      const wait = retryAfterMs((n) => response.headers.get(n), now()) ?? interval;
      for (const url of urls) {
        try {
          remember(key(new URL(url, request.url).toString()), now() + wait, 0);
        } catch {
          /* not a URL: nothing to pace */
        }
      }
      return response;
    },
  };
}
