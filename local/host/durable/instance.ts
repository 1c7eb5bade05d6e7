/**
 * What the engine's parts share: an instance held in memory (`Live`), an event waiting to be
 * replayed (`Pending`), and the engine seen from its parts (`EngineCore`).
 */
import type { InvocationContext } from "@azure/functions";
import type { HistoryEvent } from "./history";
import type { OrchestratorHandler, RetryOptions } from "./replay";
import { TERMINAL, type HubStore, type InstanceRecord } from "./store";
import type { Clock, TimerHandle } from "./clock";

export type ActivityHandler = (input: unknown, context: InvocationContext) => Promise<unknown>;

export interface EngineFunctions {
  orchestrator(name: string): OrchestratorHandler | undefined;
  activity(name: string): ActivityHandler | undefined;
}

export type EngineLog = (level: "info" | "warn" | "error", msg: string) => void;

/** A framework retry chain: which attempt this is, of what, with which options. */
export interface RetryState {
  kind: "activity" | "sub";
  root: number;
  attempt: number;
  options: RetryOptions;
  name: string;
  input: unknown;
  inputJson: string;
  /** Sub-orchestrations: the instance id the orchestrator asked for, if any. */
  childId?: string;
}

export interface Pending {
  event: HistoryEvent;
  /** Retry-related events must be replayed alone so sequence numbers stay aligned with the SDK. */
  solo?: boolean;
  inboxId?: string;
  retry?: RetryState;
}

export interface Live {
  rec: InstanceRecord;
  history: HistoryEvent[];
  inbox: Pending[];
  busy: boolean;
  timers: Map<number, TimerHandle>;
  terminateReason?: string;
  idle: Array<() => void>;
  running?: Promise<void>;
}

export interface EngineCore {
  readonly store: HubStore;
  readonly fns: EngineFunctions;
  readonly log: EngineLog;
  readonly clock: Clock;
  /** The real wait of a retry's backoff as a fraction of the interval the orchestrator asked for. */
  readonly retryWaitScale: number;
  readonly live: Map<string, Live>;
  stopped(): boolean;
  /** Replay whatever waits in the instance's inbox (no-op while a replay runs). */
  pump(l: Live): void;
  /** Run an activity when a slot is free. */
  runLimited(task: () => Promise<void>): void;
  start(name: string, instanceId: string, inputJson: string, parent?: ParentRef): Promise<InstanceRecord>;
}

export interface ParentRef {
  id: string;
  seq: number;
}

export function attach(core: EngineCore, rec: InstanceRecord, history: HistoryEvent[]): Live {
  const l: Live = { rec, history, inbox: [], busy: false, timers: new Map(), idle: [] };
  core.live.set(rec.instanceId, l);
  return l;
}

/** A callback from work started for generation `gen` still applies: same instance, same run, not over. */
export function stillCurrent(core: EngineCore, l: Live, gen: number): boolean {
  return core.live.get(l.rec.instanceId) === l && l.rec.generation === gen && !TERMINAL.has(l.rec.status);
}

export function clearTimers(core: EngineCore, l: Live): void {
  for (const t of l.timers.values()) core.clock.clearTimer(t);
  l.timers.clear();
}

/**
 * The time a step of this instance is stamped with: the clock's, but never before the instance's
 * last event, so ctx.df.currentUtcDateTime never runs backwards (a clock set back, a restart).
 */
export function stepTime(core: EngineCore, l: Live): Date {
  const last = l.history.length ? Date.parse(l.history[l.history.length - 1].Timestamp) : 0;
  return new Date(Math.max(core.clock.now(), Number.isFinite(last) ? last : 0));
}

/** Queue an event for the instance and replay it. */
export function deliver(core: EngineCore, l: Live, p: Pending): void {
  l.inbox.push(p);
  core.pump(l);
}
