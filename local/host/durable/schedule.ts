/**
 * One new leaf action of a replay, turned into the history event that records it and the work that
 * carries it out once the history is committed.
 */
import { ev, toJson, type HistoryEvent } from "./history";
import { ActionType, type SdkAction } from "./replay";
import type { EngineCore, Live } from "./instance";
import { leafEntry } from "./determinism";
import { NO_RETRY, scheduledEvent, type RetryState } from "./retries";
import { armTimer } from "./timers";
import { launch } from "./work";

/** What a step collects: history to append, and work to start after the commit. */
export interface Turn {
  now: Date;
  appended: HistoryEvent[];
  work: Array<() => void>;
  /** Plain activity failures in this step's batch: the next timer after each is a retry wait. */
  failuresToRetry: number;
}

export type Scheduled = { continueAsNew: unknown } | { unsupported: string } | undefined;

export function schedule(core: EngineCore, l: Live, a: SdkAction, turn: Turn): Scheduled {
  switch (a.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      scheduleCall(core, l, a, turn);
      return undefined;
    case ActionType.CreateTimer: {
      scheduleTimer(core, l, a, turn);
      return undefined;
    }
    case ActionType.WaitForExternalEvent:
      l.rec.leafLog.push(leafEntry(a, -1));
      return undefined;
    case ActionType.ContinueAsNew:
      l.rec.leafLog.push(leafEntry(a, -1));
      return { continueAsNew: parseQuirkInput(a.input) };
    default:
      return {
        unsupported: `action type ${a.actionType} (entities, callHttp) is not supported by the dev host`,
      };
  }
}

/**
 * A durable timer. One created in the step that saw a plain activity fail is taken for the wait
 * before a retry (orchestrations/activity-calls.ts retries that way) and marked as such.
 */
function scheduleTimer(core: EngineCore, l: Live, a: SdkAction, turn: Turn): void {
  const seq = l.rec.nextSeq++;
  const fireAt = new Date(a.fireAt ?? turn.now);
  const retryWait = turn.failuresToRetry > 0;
  if (retryWait) turn.failuresToRetry--;
  l.rec.leafLog.push(leafEntry(a, seq));
  const event = ev.timerCreated(seq, fireAt, turn.now);
  turn.appended.push(retryWait ? { ...event, _retryWait: true } : event);
  if (!a.isCanceled) turn.work.push(() => armTimer(core, l, seq, fireAt, { retryWait }));
}

function scheduleCall(core: EngineCore, l: Live, a: SdkAction, turn: Turn): void {
  const seq = l.rec.nextSeq++;
  const sub =
    a.actionType === ActionType.CallSubOrchestrator ||
    a.actionType === ActionType.CallSubOrchestratorWithRetry;
  const withRetry =
    a.actionType === ActionType.CallActivityWithRetry ||
    a.actionType === ActionType.CallSubOrchestratorWithRetry;
  const input = sub ? null : parseQuirkInput(a.input);
  const retry: RetryState = {
    kind: sub ? "sub" : "activity",
    root: seq,
    attempt: 1,
    options: a.retryOptions ?? NO_RETRY,
    name: a.functionName ?? "",
    input,
    inputJson: toJson(sub ? (a.input ?? null) : input),
    childId: sub ? a.instanceId || undefined : undefined,
  };
  l.rec.leafLog.push(leafEntry(a, seq));
  turn.appended.push(scheduledEvent(l, seq, retry, turn.now, withRetry));
  turn.work.push(() => launch(core, l, seq, retry, withRetry));
}

/** Activity and continue-as-new inputs: the SDK JSON-encodes only strings (Utils.processInput). */
function parseQuirkInput(input: unknown): unknown {
  if (typeof input !== "string") return input;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}
