/**
 * Operator control of a running fleet saga: the control events (pause / resume / cancel / approve /
 * reject, core/sagas) applied in the order they were sent, and waits that honour them. Deterministic.
 */
import type { OrchestrationContext, Task } from "durable-functions";
import { CONTROL_ACTIONS, CONTROL_EVENT, type ControlAction, type ControlEvent } from "../core/sagas";

/**
 * Operator control state shared by a saga's waits.
 *
 * The JS SDK schedules a task's action again when an already-scheduled task is put into a new
 * Task.any/Task.all (azure-functions-durable-js#574), and it hands an event to the newest open
 * waiter of its name. So no task here ever sits in two compounds: each wait makes a fresh event
 * waiter, a waiter that lost its race stays open and may catch a later event, and every wait first
 * sweeps all waiters for events they caught (applied in the order the events were sent, `at`).
 */
export interface ControlState {
  paused: boolean;
  cancelled: boolean;
  decision?: "approve" | "reject";
  log: { action: ControlAction; by?: string; at: string }[];
  /** Event waiters not yet swept (in-memory; rebuilt identically on replay). */
  waiters: Task[];
}

export function newControlState(): ControlState {
  return { paused: false, cancelled: false, log: [], waiters: [] };
}

function apply(ctx: OrchestrationContext, st: ControlState, ev: ControlEvent | undefined): void {
  const action = ev?.action;
  if (!action || !CONTROL_ACTIONS.includes(action)) return;
  st.log.push({ action, ...(ev.by ? { by: ev.by } : {}), at: ctx.df.currentUtcDateTime.toISOString() });
  if (action === "pause") st.paused = true;
  else if (action === "resume") st.paused = false;
  else if (action === "cancel") st.cancelled = true;
  else st.decision = action;
}

/** Applies the events open waiters caught since the last sweep; true when there were any. */
export function sweepControl(ctx: OrchestrationContext, st: ControlState): boolean {
  const caught = st.waiters.filter((w) => w.isCompleted);
  if (caught.length === 0) return false;
  st.waiters = st.waiters.filter((w) => !w.isCompleted);
  const events = caught.map((w, i) => ({ ev: w.result as ControlEvent & { at?: string }, i }));
  events.sort((a, b) => (a.ev?.at ?? "").localeCompare(b.ev?.at ?? "") || a.i - b.i);
  for (const e of events) apply(ctx, st, e.ev);
  return true;
}

/**
 * Waits for a control event, or for `other` (a task made fresh for this wait, e.g. a timer) when
 * given. Answers "control" when events were applied, "other" when `other` finished first.
 */
export function* waitControl(
  ctx: OrchestrationContext,
  st: ControlState,
  other?: Task,
): Generator<Task, "control" | "other", unknown> {
  const waiter = ctx.df.waitForExternalEvent(CONTROL_EVENT);
  st.waiters.push(waiter);
  if (other) {
    const winner = (yield ctx.df.Task.any([other, waiter])) as Task;
    if (winner === other) return "other";
  } else {
    yield waiter;
  }
  sweepControl(ctx, st);
  return "control";
}

/** While paused (and not cancelled), waits for control events. */
export function* holdWhilePaused(
  ctx: OrchestrationContext,
  st: ControlState,
  onChange: (what: string) => Generator<Task, void, unknown>,
): Generator<Task, void, unknown> {
  sweepControl(ctx, st);
  if (!st.paused || st.cancelled) return;
  yield* onChange("paused");
  while (st.paused && !st.cancelled) yield* waitControl(ctx, st);
  yield* onChange(st.cancelled ? "cancelled" : "resumed");
}

/**
 * Waits until `deadline` or until `until(st)` holds after a control event. A fresh timer per wait
 * (the one that lost is cancelled). Answers true when the deadline passed.
 */
export function* waitUntil(
  ctx: OrchestrationContext,
  deadline: Date,
  st: ControlState,
  until: (st: ControlState) => boolean,
): Generator<Task, boolean, unknown> {
  for (;;) {
    sweepControl(ctx, st);
    if (until(st)) return false;
    if (ctx.df.currentUtcDateTime >= deadline) return true;
    const timer = ctx.df.createTimer(deadline);
    if ((yield* waitControl(ctx, st, timer)) === "other") return true;
    timer.cancel();
  }
}

/** Waits `minutes`, honouring control events; a cancel ends the wait early. */
export function* soak(
  ctx: OrchestrationContext,
  minutes: number,
  st: ControlState,
): Generator<Task, void, unknown> {
  if (minutes <= 0) return;
  const deadline = new Date(ctx.df.currentUtcDateTime.getTime() + minutes * 60_000);
  yield* waitUntil(ctx, deadline, st, (s) => s.cancelled);
}
