/**
 * The fleet sagas' fan-out (rolloutFleet, scheduleTick): claw sagas run as sub-orchestrations in a
 * bounded sliding window, one claw's failure never aborting the run, control events (fleet-control)
 * applied at every look. Deterministic.
 */
import type { OrchestrationContext, Task } from "durable-functions";
import type { StartClawCommandInput, StartClawCommandResult } from "../core/fleet/start-command";
import { failureOf, RECORD_RETRY, retry } from "./saga-kit";
import { activityTask } from "./activity-calls";
import type { SagaActivities } from "./activities/types";
import { sweepControl, waitControl, type ControlState } from "./fleet-control";

/**
 * Starting a claw saga can meet the previous saga of that claw still returning after it freed
 * the slot ("instance already exists and is Running"): try again a few times.
 */
export const SUB_START_RETRY = retry(3_000, 4);

export interface ClawOutcome {
  claw: string;
  status: "succeeded" | "failed" | "skipped";
  operationId?: string;
  detail?: string;
}

export interface FanOutOptions {
  maxParallel: number;
  /** Control events (rollouts); none for the schedule tick. */
  control?: ControlState;
  /** Stops starting new claws (halt). Checked before every start. */
  stop(): boolean;
  /**
   * Called after each claw ends (count failures, decide a halt); answers the task that records it,
   * if any. The records of all claws that ended since the last look are awaited together.
   */
  onOutcome(item: StartClawCommandInput, outcome: ClawOutcome): Task | undefined;
  /**
   * The task that records a claw's start (bookkeeping), run beside the claw sagas rather than
   * before them; one that fails for good fails the fan-out at the next look.
   */
  onStartTask?(item: StartClawCommandInput, operationId: string): Task;
  onPauseChange?(what: string): Generator<Task, void, unknown>;
  /** How often, at first, the saga looks for claws whose saga ended (see fanOut); default 0.15 s. */
  tickMs?: number;
  /** The longest gap between looks while nothing ends; default 4 s. */
  maxTickMs?: number;
}

export const FAN_OUT_TICK_MS = 150;
export const FAN_OUT_MAX_TICK_MS = 4_000;
/** Gaps between looks stay under a tenth of the time the oldest running saga has run, or this. */
export const FAN_OUT_RELATIVE_TICK_FLOOR_MS = 1_000;

interface Running {
  item: StartClawCommandInput;
  operationId: string;
  /** Orchestration time the saga was started (ms). */
  startedAt: number;
}

const sagaEnded = (r: { task: Task }): boolean => r.task.isCompleted || r.task.isFaulted;

/** What a claw saga's output says about the claw. */
export function outcomeOf(claw: string, operationId: string, out: unknown): ClawOutcome {
  const o = (out ?? {}) as {
    status?: string;
    step?: string;
    error?: { code?: string; message?: string };
    compensation?: string;
    deferredBySeconds?: number;
  };
  if (o.status === "succeeded") {
    const deferred = typeof o.deferredBySeconds === "number" && o.deferredBySeconds > 0;
    return deferred
      ? {
          claw,
          status: "succeeded",
          operationId,
          detail: `deferred ${o.deferredBySeconds} s: the agent was busy`,
        }
      : { claw, status: "succeeded", operationId };
  }
  if (o.error?.code === "ALREADY_ON_VERSION") {
    return { claw, status: "skipped", operationId, detail: o.error.message ?? "already on the version" };
  }
  const why =
    `${o.status ?? "failed"} at ${o.step ?? "?"}: ${o.error?.code ?? ""} ${o.error?.message ?? ""}`.trim();
  return { claw, status: "failed", operationId, detail: o.compensation ? `${why} (${o.compensation})` : why };
}

/**
 * Runs each item's claw saga (claim through the command handler, then the saga as a
 * sub-orchestration under the claw's instance id) in a sliding window of at most `maxParallel`:
 * a claw starts as soon as a slot is free, so one slow claw never holds the others back.
 *
 * The JS SDK re-schedules a task put into a second Task.any (azure-functions-durable-js#574), so
 * a running saga is never waited on twice. Each wait is one Task.any of fresh tasks only: the
 * sagas started in this round, a durable timer, and (rollouts) a control event waiter. Sagas
 * started in earlier rounds still complete in the background (the SDK marks their tasks done as
 * their history arrives) and are collected at the next look. The timer starts at `tickMs` and
 * grows by half while nothing ends, up to a tenth of the time the oldest running saga has run (at
 * least 1 s) and never past `maxTickMs`: a park is noticed within 0.15 s of its end, a 15 s
 * upgrade within about 1.5 s, a long one within 4 s (about one timer per 4 s while only long
 * sagas run).
 *
 * Control events are applied at every look: pause and halt (stop) stop new starts, cancel stops
 * them for good; sagas in flight always finish, and fanOut returns when none is left, with the
 * items never started.
 */
export function* fanOut(
  ctx: OrchestrationContext,
  items: StartClawCommandInput[],
  o: FanOutOptions,
): Generator<Task, StartClawCommandInput[], unknown> {
  const queue = [...items];
  const st = o.control;
  const minTick = Math.max(1, o.tickMs ?? FAN_OUT_TICK_MS);
  const maxTick = Math.max(minTick, o.maxTickMs ?? FAN_OUT_MAX_TICK_MS);
  let tick = minTick;
  let running: { task: Task; run: Running }[] = [];
  let paused = false;
  /** Bookkeeping of earlier starts still running (each a fresh Task.all, never waited on twice). */
  let pending: Task[] = [];
  for (;;) {
    // Outcomes of the sagas that ended since the last look.
    const ended = running.filter(sagaEnded);
    running = running.filter((r) => !sagaEnded(r));
    const records = ended.flatMap(({ task, run }) => settle(ctx, o, task, run));
    if (records.length) yield ctx.df.Task.all(records);
    const failed = pending.find((p) => p.isFaulted);
    if (failed) throw failed.result;
    pending = pending.filter((p) => !p.isCompleted);

    if (st) {
      sweepControl(ctx, st);
      if (st.paused !== paused && !st.cancelled) {
        paused = st.paused;
        yield* (o.onPauseChange ?? function* () {})(paused ? "paused" : "resumed");
      }
    }
    const starting = !o.stop() && !(st && (st.paused || st.cancelled));

    // Fill the free slots: claim their claws at once (one Task.all of fresh tasks), then start.
    const fresh: Task[] = [];
    if (starting && queue.length > 0 && running.length < o.maxParallel) {
      const batch = queue.splice(0, o.maxParallel - running.length);
      const claims = (yield ctx.df.Task.all(
        batch.map((item) =>
          activityTask<SagaActivities, "startClawCommand">(ctx, "startClawCommand", item, RECORD_RETRY),
        ),
      )) as StartClawCommandResult[];
      const bookkeeping: Task[] = [];
      const skips: Task[] = [];
      for (const [i, item] of batch.entries()) {
        const r = claims[i];
        if (!r.started) {
          const t = o.onOutcome(item, {
            claw: item.claw,
            status: "skipped",
            operationId: r.operationId,
            detail: `${r.code}: ${r.reason}`,
          });
          if (t) skips.push(t);
          continue;
        }
        if (o.onStartTask) bookkeeping.push(o.onStartTask(item, r.operationId));
        const task = ctx.df.callSubOrchestratorWithRetry(r.sagaName, SUB_START_RETRY, r.input, r.instanceId);
        fresh.push(task);
        running.push({
          task,
          run: { item, operationId: r.operationId, startedAt: ctx.df.currentUtcDateTime.getTime() },
        });
      }
      if (skips.length) yield ctx.df.Task.all(skips);
      if (bookkeeping.length) {
        const all = ctx.df.Task.all(bookkeeping);
        fresh.push(all);
        pending.push(all);
      }
      // Claims that were all skipped free their slots at once: look again without waiting.
      if (fresh.length === 0 && queue.length > 0 && !o.stop()) continue;
    }

    if (running.length === 0) {
      if (queue.length === 0 || !starting) {
        if (st && st.paused && !st.cancelled && queue.length > 0 && !o.stop()) {
          yield* waitControl(ctx, st); // paused with nothing in flight: wait for resume / cancel
          continue;
        }
        // Bookkeeping still running: each waited alone (a task in a second compound is
        // scheduled again); a failure fails the fan-out as at any look.
        for (const p of pending) yield p;
        return queue;
      }
      continue;
    }

    // Wait for a fresh saga to end, a control event, or the next look.
    const timer = ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + tick));
    const wake = fresh.length > 0 ? ctx.df.Task.any([timer, ...fresh]) : timer;
    if (st) yield* waitControl(ctx, st, wake);
    else yield wake;
    if (!timer.isCompleted) timer.cancel();
    // While nothing ends the gap grows, but stays under a tenth of how long the oldest running saga
    // has run: a saga's end is noticed within about a tenth of its duration (at most maxTick).
    const oldest = Math.min(...running.map((r) => r.run.startedAt));
    const relative = Math.max(
      FAN_OUT_RELATIVE_TICK_FLOOR_MS,
      (ctx.df.currentUtcDateTime.getTime() - oldest) / 10,
    );
    tick = running.some(sagaEnded)
      ? minTick
      : Math.max(minTick, Math.min(maxTick, relative, Math.round(tick * 1.5)));
  }
}

/**
 * How one claw's saga ended, as the tasks that record it (a saga that never ran or died also has
 * its operation ended and the claw freed here, safe if already done).
 */
function settle(ctx: OrchestrationContext, o: FanOutOptions, task: Task, run: Running): Task[] {
  if (!task.isFaulted) {
    const t = o.onOutcome(run.item, outcomeOf(run.item.claw, run.operationId, task.result));
    return t ? [t] : [];
  }
  const f = failureOf(task.result);
  const finish = activityTask<SagaActivities, "finishOperation">(
    ctx,
    "finishOperation",
    {
      op: run.operationId,
      claw: run.item.claw,
      status: "failed",
      error: { code: f.code, message: f.message, step: "start" },
    },
    RECORD_RETRY,
  );
  const t = o.onOutcome(run.item, {
    claw: run.item.claw,
    status: "failed",
    operationId: run.operationId,
    detail: `${f.code}: ${f.message}`,
  });
  return t ? [finish, t] : [finish];
}
