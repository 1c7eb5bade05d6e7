/**
 * Framework retries (callActivityWithRetry, callSubOrchestratorWithRetry). The SDK keeps the retry
 * loop itself and counts on the host for the events: each failed attempt is followed by a timer
 * (TimerCreated, then TimerFired after the backoff) and then the next attempt's scheduling event,
 * each taking the next sequence number as the SDK does. `_retryRoot`, `_attempt` and `_retry` on
 * those events let a restarted host rebuild the chain.
 */
import { ev, EventType, type HistoryEvent } from "./history";
import type { RetryOptions } from "./replay";
import type { Live, Pending, RetryState } from "./instance";
import type { InstanceRecord } from "./store";

export type { RetryState } from "./instance";

/** A call without retry options: one attempt. */
export const NO_RETRY: RetryOptions = { firstRetryIntervalInMilliseconds: 0, maxNumberOfAttempts: 1 };

/** The backoff before attempt `attempt + 1`: first × coefficient^(attempt−1), capped. */
export function retryDelay(o: RetryOptions, attempt: number): number {
  const raw = o.firstRetryIntervalInMilliseconds * Math.pow(o.backoffCoefficient ?? 1, attempt - 1);
  return Math.max(0, Math.min(raw, o.maxRetryIntervalInMilliseconds ?? Number.MAX_SAFE_INTEGER));
}

/** The timer and re-attempt a batch's retry events call for, with the sequence numbers they take. */
export interface RetryPairs {
  timer?: { seq: number; retry: RetryState; final: boolean };
  reattempt?: { seq: number; retry: RetryState };
}

/** Note what one admitted event means for its retry chain (in batch order: it takes sequence numbers). */
export function pairRetry(p: Pending, rec: InstanceRecord, pairs: RetryPairs): void {
  if (!p.retry) return;
  const type = p.event.EventType;
  const attemptsLeft = p.retry.attempt < p.retry.options.maxNumberOfAttempts;
  if (type === EventType.TaskFailed || type === EventType.SubOrchestrationInstanceFailed) {
    // The SDK takes the next sequence number for the retry timer as it processes this failure.
    pairs.timer = { seq: rec.nextSeq++, retry: p.retry, final: !attemptsLeft };
  }
  if (type === EventType.TimerFired && attemptsLeft) {
    // ...and the next one for the re-attempt when that timer fires (unless attempts are used up).
    pairs.reattempt = { seq: rec.nextSeq++, retry: { ...p.retry, attempt: p.retry.attempt + 1 } };
  }
}

/** The retry timer's history event: the backoff before the next attempt (none after the last). */
export function retryTimerEvent(pair: NonNullable<RetryPairs["timer"]>, now: Date): HistoryEvent {
  const delay = pair.final ? 0 : retryDelay(pair.retry.options, pair.retry.attempt);
  const fireAt = new Date(now.getTime() + delay);
  return {
    ...ev.timerCreated(pair.seq, fireAt, now),
    _retryRoot: pair.retry.root,
    _attempt: pair.retry.attempt,
  };
}

/** Deterministic child ids (parent:seq) unless the orchestrator named one. */
export function childIdOf(l: Live, seq: number, retry: RetryState): string {
  return retry.childId ?? `${l.rec.instanceId}:${seq}`;
}

/** TaskScheduled / SubOrchestrationInstanceCreated for one attempt, with the chain's bookkeeping. */
export function scheduledEvent(
  l: Live,
  seq: number,
  retry: RetryState,
  now: Date,
  withRetry = true,
): HistoryEvent {
  const base =
    retry.kind === "activity"
      ? ev.taskScheduled(seq, retry.name, retry.inputJson, now)
      : {
          ...ev.subOrchestrationCreated(seq, retry.name, childIdOf(l, seq, retry), retry.inputJson, now),
          _childId: retry.childId,
        };
  return withRetry
    ? ({ ...base, _retryRoot: retry.root, _attempt: retry.attempt, _retry: retry.options } as HistoryEvent)
    : base;
}

/** The retry state a scheduling event in history stands for. */
export function retryFromEvent(e: HistoryEvent): RetryState {
  const sub = e.EventType === EventType.SubOrchestrationInstanceCreated;
  const inputJson = e.Input ?? "null";
  return {
    kind: sub ? "sub" : "activity",
    root: e._retryRoot ?? e.EventId,
    attempt: e._attempt ?? 1,
    options: e._retry ?? NO_RETRY,
    name: e.Name ?? "",
    input: sub ? null : JSON.parse(inputJson),
    inputJson,
    childId: e._childId,
  };
}

/** The chain a retry timer in history belongs to (its first attempt's event, at the timer's attempt). */
export function retryForTimer(history: HistoryEvent[], timer: HistoryEvent): RetryState | undefined {
  const first = history.find(
    (x) =>
      (x.EventType === EventType.TaskScheduled ||
        x.EventType === EventType.SubOrchestrationInstanceCreated) &&
      x.EventId === timer._retryRoot,
  );
  if (!first) return undefined;
  return { ...retryFromEvent(first), attempt: timer._attempt ?? 1 };
}
