/**
 * Deterministic building blocks of the fleet sagas (rolloutFleet, scheduleTick): run claw sagas as
 * sub-orchestrations with a bounded window, one claw's failure never aborting the run, and operator
 * control events (pause / resume / cancel / approve / reject) honoured while waiting. No I/O here.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import type { StartClawCommandInput, StartClawCommandResult } from "../core/fleet/start-command";
import { failureOf, RECORD_RETRY } from "./saga-kit";

/** The external event every fleet saga listens to. */
export const CONTROL_EVENT = "control";
export const CONTROL_ACTIONS = ["approve", "reject", "pause", "resume", "cancel"] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];
export interface ControlEvent {
  action: ControlAction;
  by?: string;
}

const SCALE =
  Number(process.env.SAGA_RETRY_SCALE ?? "1") > 0 ? Number(process.env.SAGA_RETRY_SCALE ?? "1") : 1;

/**
 * Starting a claw saga can meet the previous saga of that claw still returning after it freed
 * the slot ("instance already exists and is Running"): try again a few times.
 */
export const SUB_START_RETRY = (() => {
  const r = new df.RetryOptions(Math.max(1, Math.round(3_000 * SCALE)), 4);
  r.backoffCoefficient = 2;
  return r;
})();

export interface ClawOutcome {
  claw: string;
  status: "succeeded" | "failed" | "skipped";
  operationId?: string;
  detail?: string;
}

/** Operator control state shared by a saga's waits. */
export interface ControlState {
  paused: boolean;
  cancelled: boolean;
  decision?: "approve" | "reject";
  log: { action: ControlAction; by?: string; at: string }[];
}

export function newControlState(): ControlState {
  return { paused: false, cancelled: false, log: [] };
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

/**
 * Waits until one of `tasks` finishes or a control event arrives (applied to `st`). Returns the
 * finished task, or undefined for a control event. A fresh event waiter each time: the SDK hands
 * an event to the newest waiter of its name, and a waiter must never sit in two Task.any calls.
 */
export function* awaitOrControl(
  ctx: OrchestrationContext,
  tasks: Task[],
  st: ControlState,
): Generator<Task, Task | undefined, unknown> {
  const done = tasks.find((t) => t.isCompleted || t.isFaulted);
  if (done) return done;
  const control = ctx.df.waitForExternalEvent(CONTROL_EVENT);
  const winner = (yield ctx.df.Task.any([...tasks, control])) as Task;
  if (winner === control) {
    apply(ctx, st, control.result as ControlEvent);
    return undefined;
  }
  return winner;
}

/** While paused (and not cancelled), waits for control events. */
export function* holdWhilePaused(
  ctx: OrchestrationContext,
  st: ControlState,
  onChange: (what: string) => Generator<Task, void, unknown>,
): Generator<Task, void, unknown> {
  if (!st.paused || st.cancelled) return;
  yield* onChange("paused");
  while (st.paused && !st.cancelled) {
    const ev = (yield ctx.df.waitForExternalEvent(CONTROL_EVENT)) as ControlEvent;
    apply(ctx, st, ev);
  }
  yield* onChange(st.cancelled ? "cancelled" : "resumed");
}

/** Waits `minutes`, honouring control events; a cancel ends the wait early. */
export function* soak(
  ctx: OrchestrationContext,
  minutes: number,
  st: ControlState,
): Generator<Task, void, unknown> {
  if (minutes <= 0 || st.cancelled) return;
  const timer = ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + minutes * 60_000));
  while (!st.cancelled) {
    const w = yield* awaitOrControl(ctx, [timer], st);
    if (w) return;
  }
  timer.cancel();
}

export interface FanOutOptions {
  maxParallel: number;
  /** Control events (rollouts); none for the schedule tick. */
  control?: ControlState;
  /** Stops starting new claws (halt). Checked before every start. */
  stop(): boolean;
  /** Called after each claw ends (record progress, count failures). */
  onOutcome(item: StartClawCommandInput, outcome: ClawOutcome): Generator<Task, void, unknown>;
  onStart?(item: StartClawCommandInput, operationId: string): Generator<Task, void, unknown>;
  onPauseChange?(what: string): Generator<Task, void, unknown>;
}

interface Running {
  item: StartClawCommandInput;
  operationId: string;
}

/** What a claw saga's output says about the claw. */
export function outcomeOf(claw: string, operationId: string, out: unknown): ClawOutcome {
  const o = (out ?? {}) as {
    status?: string;
    step?: string;
    error?: { code?: string; message?: string };
    compensation?: string;
  };
  if (o.status === "succeeded") return { claw, status: "succeeded", operationId };
  if (o.error?.code === "ALREADY_ON_VERSION") {
    return { claw, status: "skipped", operationId, detail: o.error.message ?? "already on the version" };
  }
  const why =
    `${o.status ?? "failed"} at ${o.step ?? "?"}: ${o.error?.code ?? ""} ${o.error?.message ?? ""}`.trim();
  return { claw, status: "failed", operationId, detail: o.compensation ? `${why} (${o.compensation})` : why };
}

/**
 * Runs each item's claw saga (claim through the command handler, then the saga as a
 * sub-orchestration under the claw's instance id), at most `maxParallel` at once. Returns the
 * items never started (stopped, cancelled).
 */
export function* fanOut(
  ctx: OrchestrationContext,
  items: StartClawCommandInput[],
  o: FanOutOptions,
): Generator<Task, StartClawCommandInput[], unknown> {
  const queue = [...items];
  const inflight = new Map<Task, Running>();
  const st = o.control;
  const blocked = () => o.stop() || (st !== undefined && (st.cancelled || st.paused));
  for (;;) {
    while (queue.length > 0 && inflight.size < o.maxParallel && !blocked()) {
      const item = queue.shift()!;
      const r = (yield ctx.df.callActivityWithRetry(
        "startClawCommand",
        RECORD_RETRY,
        item,
      )) as StartClawCommandResult;
      if (!r.started) {
        yield* o.onOutcome(item, {
          claw: item.claw,
          status: "skipped",
          operationId: r.operationId,
          detail: `${r.code}: ${r.reason}`,
        });
        continue;
      }
      if (o.onStart) yield* o.onStart(item, r.operationId);
      const task = ctx.df.callSubOrchestratorWithRetry(r.sagaName, SUB_START_RETRY, r.input, r.instanceId);
      inflight.set(task, { item, operationId: r.operationId });
    }
    if (inflight.size === 0) {
      if (queue.length > 0 && st && st.paused && !st.cancelled && !o.stop()) {
        yield* holdWhilePaused(ctx, st, o.onPauseChange ?? function* () {});
        continue;
      }
      return queue;
    }
    const winner = st
      ? yield* awaitOrControl(ctx, [...inflight.keys()], st)
      : ((yield ctx.df.Task.any([...inflight.keys()])) as Task);
    if (!winner) continue;
    const run = inflight.get(winner)!;
    inflight.delete(winner);
    let outcome: ClawOutcome;
    if (winner.isFaulted) {
      const f = failureOf(winner.result);
      outcome = {
        claw: run.item.claw,
        status: "failed",
        operationId: run.operationId,
        detail: `${f.code}: ${f.message}`,
      };
      // The saga never ran or died: end its operation and free the claw (safe if already done).
      yield ctx.df.callActivityWithRetry("finishOperation", RECORD_RETRY, {
        op: run.operationId,
        claw: run.item.claw,
        status: "failed",
        error: { code: f.code, message: f.message, step: "start" },
      });
    } else {
      outcome = outcomeOf(run.item.claw, run.operationId, winner.result);
    }
    yield* o.onOutcome(run.item, outcome);
  }
}
