/**
 * History events as the Durable Functions extension sends them to the JS SDK (PascalCase fields,
 * payloads as JSON strings). Only the fields the SDK's executor reads are required; the dev host adds
 * a few private fields prefixed with "_" (the SDK ignores unknown properties) so it can rebuild
 * retry chains after a restart.
 */
export enum EventType {
  ExecutionStarted = 0,
  ExecutionCompleted = 1,
  ExecutionFailed = 2,
  ExecutionTerminated = 3,
  TaskScheduled = 4,
  TaskCompleted = 5,
  TaskFailed = 6,
  SubOrchestrationInstanceCreated = 7,
  SubOrchestrationInstanceCompleted = 8,
  SubOrchestrationInstanceFailed = 9,
  TimerCreated = 10,
  TimerFired = 11,
  OrchestratorStarted = 12,
  OrchestratorCompleted = 13,
  EventSent = 14,
  EventRaised = 15,
  ContinueAsNew = 16,
  GenericEvent = 17,
}

export interface HistoryEvent {
  EventType: EventType;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  Name?: string;
  Input?: string;
  Result?: string;
  Reason?: string;
  Details?: string;
  FailureDetails?: FailureDetails;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  InstanceId?: string;
  /** dev host: retry chain bookkeeping (root sequence id and attempt number of this attempt). */
  _retryRoot?: number;
  _attempt?: number;
  _retry?: {
    firstRetryIntervalInMilliseconds: number;
    maxNumberOfAttempts: number;
    backoffCoefficient?: number;
    maxRetryIntervalInMilliseconds?: number;
  };
  /** dev host: a timer the orchestrator created as a wait before retrying a failed activity. */
  _retryWait?: boolean;
  /** dev host: the instance id an orchestrator explicitly asked for its sub-orchestration. */
  _childId?: string;
  /** dev host: identifies the inbox row an event came from, for exactly-once delivery. */
  _inboxId?: string;
}

export interface FailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable?: boolean;
  Properties?: Record<string, unknown>;
}

function base(type: EventType, eventId = -1, at = new Date()): HistoryEvent {
  return { EventType: type, EventId: eventId, IsPlayed: false, Timestamp: at.toISOString() };
}

export const ev = {
  orchestratorStarted: (at: Date) => base(EventType.OrchestratorStarted, -1, at),
  executionStarted: (name: string, input: string, at: Date) => ({
    ...base(EventType.ExecutionStarted, -1, at),
    Name: name,
    Input: input,
  }),
  taskScheduled: (id: number, name: string, input: string | undefined, at: Date) => ({
    ...base(EventType.TaskScheduled, id, at),
    Name: name,
    Input: input,
  }),
  taskCompleted: (id: number, result: string, at: Date) => ({
    ...base(EventType.TaskCompleted, -1, at),
    TaskScheduledId: id,
    Result: result,
  }),
  taskFailed: (id: number, failure: FailureDetails, at: Date) => ({
    ...base(EventType.TaskFailed, -1, at),
    TaskScheduledId: id,
    Reason: failure.ErrorMessage,
    Details: failure.StackTrace ?? "",
    FailureDetails: failure,
  }),
  timerCreated: (id: number, fireAt: Date, at: Date) => ({
    ...base(EventType.TimerCreated, id, at),
    FireAt: fireAt.toISOString(),
  }),
  timerFired: (id: number, fireAt: string, at: Date) => ({
    ...base(EventType.TimerFired, -1, at),
    TimerId: id,
    FireAt: fireAt,
  }),
  subOrchestrationCreated: (id: number, name: string, instanceId: string, input: string, at: Date) => ({
    ...base(EventType.SubOrchestrationInstanceCreated, id, at),
    Name: name,
    InstanceId: instanceId,
    Input: input,
  }),
  subOrchestrationCompleted: (id: number, result: string, at: Date) => ({
    ...base(EventType.SubOrchestrationInstanceCompleted, -1, at),
    TaskScheduledId: id,
    Result: result,
  }),
  subOrchestrationFailed: (id: number, failure: FailureDetails, at: Date) => ({
    ...base(EventType.SubOrchestrationInstanceFailed, -1, at),
    TaskScheduledId: id,
    Reason: failure.ErrorMessage,
    Details: failure.StackTrace ?? "",
    FailureDetails: failure,
  }),
  eventRaised: (name: string, input: string, at: Date) => ({
    ...base(EventType.EventRaised, -1, at),
    Name: name,
    Input: input,
  }),
  executionCompleted: (result: string, at: Date) => ({
    ...base(EventType.ExecutionCompleted, -1, at),
    Result: result,
  }),
  executionFailed: (failure: FailureDetails, at: Date) => ({
    ...base(EventType.ExecutionFailed, -1, at),
    Reason: failure.ErrorMessage,
    Details: failure.StackTrace ?? "",
    FailureDetails: failure,
  }),
  executionTerminated: (reason: string, at: Date) => ({
    ...base(EventType.ExecutionTerminated, -1, at),
    Input: JSON.stringify(reason),
  }),
};

/** JSON text for a value as the extension serialises results ("null" for undefined). */
export function toJson(value: unknown): string {
  return value === undefined ? "null" : JSON.stringify(value);
}

/** Turn whatever an activity threw into FailureDetails, honouring the SDK's exception-properties JSON. */
export function toFailure(err: unknown): FailureDetails {
  if (err instanceof Error) {
    try {
      const parsed = JSON.parse(err.message) as Partial<FailureDetails>;
      if (parsed && typeof parsed === "object" && typeof parsed.ErrorType === "string") {
        return { ErrorType: parsed.ErrorType, ErrorMessage: parsed.ErrorMessage ?? "", ...parsed };
      }
    } catch {
      // not the SDK's JSON form: a plain error
    }
    const props: Record<string, unknown> = {};
    for (const key of ["code", "retryable", "statusCode"]) {
      const v = (err as unknown as Record<string, unknown>)[key];
      if (v !== undefined && (typeof v === "string" || typeof v === "number" || typeof v === "boolean"))
        props[key] = v;
    }
    return {
      ErrorType: err.name || "Error",
      ErrorMessage: err.message,
      StackTrace: err.stack,
      IsNonRetriable: false,
      Properties: Object.keys(props).length ? props : undefined,
    };
  }
  return { ErrorType: "Error", ErrorMessage: typeof err === "string" ? err : JSON.stringify(err) };
}
