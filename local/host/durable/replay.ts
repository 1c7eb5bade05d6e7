/**
 * One replay of an orchestrator through the durable-functions SDK's own executor: the host hands the
 * handler the trigger input the extension would send and reads back the OrchestratorState (or the
 * state embedded in the OrchestrationFailureError the SDK throws).
 */
import { InvocationContext } from "@azure/functions";
import type { HistoryEvent } from "./history";

export type OrchestratorHandler = (trigger: unknown, context: InvocationContext) => Promise<unknown>;

/** Action shapes emitted by the SDK (lib/src/actions). */
export interface SdkAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  retryOptions?: RetryOptions;
  fireAt?: string | Date;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: SdkAction[];
  eventName?: string;
  entityId?: unknown;
}

export interface RetryOptions {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
} as const;

export interface ReplayResult {
  isDone: boolean;
  failed: boolean;
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  /** Leaf actions in scheduling order (compound actions flattened). */
  actions: SdkAction[];
}

export interface ReplayInput {
  instanceId: string;
  input: unknown;
  parentInstanceId?: string;
  history: HistoryEvent[];
  isReplaying: boolean;
}

/** Flatten WhenAll/WhenAny into their children, in the order the SDK numbers them. */
export function flattenActions(actions: SdkAction[]): SdkAction[] {
  const out: SdkAction[] = [];
  const walk = (a: SdkAction) => {
    if (a.actionType === ActionType.WhenAll || a.actionType === ActionType.WhenAny) {
      for (const c of a.compoundActions ?? []) walk(c);
    } else out.push(a);
  };
  for (const a of actions) walk(a);
  return out;
}

interface SdkState {
  isDone: boolean;
  actions: SdkAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
}

const OUT_OF_PROC_MARK = "$OutOfProcData$:";

/** Run the orchestrator once over `history` and return what it decided. */
export async function replay(
  handler: OrchestratorHandler,
  functionName: string,
  r: ReplayInput,
): Promise<ReplayResult> {
  const trigger = {
    // The SDK mutates Timestamps into Dates; give it copies so our history stays as stored.
    history: r.history.map((e) => ({ ...e })),
    input: r.input,
    instanceId: r.instanceId,
    isReplaying: r.isReplaying,
    parentInstanceId: r.parentInstanceId ?? null,
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 2,
    longRunningTimerIntervalDuration: "3.00:00:00",
    maximumShortTimerDuration: "3650.00:00:00",
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
  const context = new InvocationContext({
    functionName,
    invocationId: `${r.instanceId}:${r.history.length}`,
    options: { trigger: { type: "orchestrationTrigger", name: "context" } },
    logHandler: () => undefined,
  });
  let state: SdkState;
  let failed = false;
  try {
    state = (await handler(trigger, context)) as SdkState;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = message.indexOf(OUT_OF_PROC_MARK);
    if (at < 0) throw err;
    state = JSON.parse(message.slice(at + OUT_OF_PROC_MARK.length)) as SdkState;
    failed = true;
  }
  return {
    isDone: Boolean(state.isDone),
    failed,
    output: state.output,
    error: state.error,
    customStatus: state.customStatus,
    actions: flattenActions(state.actions?.[0] ?? []),
  };
}
