/**
 * One step of an instance: append a batch of new events, replay the orchestrator over the whole
 * history, turn its new actions into history and work, and commit. Work starts only after the
 * commit, so an activity never runs for history that was not kept.
 */
import { ev, EventType, toJson, type FailureDetails, type HistoryEvent } from "./history";
import { replay, type ReplayResult } from "./replay";
import { clearTimers, stepTime, type EngineCore, type Live, type Pending } from "./instance";
import { checkDeterminism, orchestratorMissing, REPLAY_BROKEN } from "./determinism";
import { pairRetry, retryTimerEvent, scheduledEvent, type RetryPairs } from "./retries";
import { schedule, type Turn } from "./schedule";
import { armTimer, cancelTimers } from "./timers";
import { launch, notifyParent } from "./work";
import { TERMINAL } from "./store";

type Outcome =
  | { kind: "continue" }
  | { kind: "done"; output: unknown }
  | { kind: "failed"; failure: FailureDetails }
  | { kind: "again"; input: unknown };

interface StepTurn extends Turn {
  prevLength: number;
  pairs: RetryPairs;
  customStatus: string;
}

export async function step(core: EngineCore, l: Live, batch: Pending[]): Promise<void> {
  const rec = l.rec;
  const before = { status: rec.status, customStatus: rec.customStatus };
  const turn = admit(core, l, batch);
  if (!turn) return;
  const outcome = await decide(core, l, turn);
  addRetryWork(core, l, turn, outcome);
  settle(core, l, turn, outcome);
  if (outcome.kind === "again") return continueAsNew(core, l, outcome.input, turn.now);

  const full = l.history.concat(turn.appended);
  rec.historyLength = full.length;
  // The Instances row (what queries read) is only rewritten when something visible changed.
  const visible = before.status !== rec.status || before.customStatus !== rec.customStatus;
  await Promise.all([
    core.store.appendHistory(rec, full, turn.prevLength),
    visible ? core.store.putInstance(rec) : undefined,
  ]);
  l.history = full;
  const inboxIds = batch.map((p) => p.inboxId).filter((x): x is string => Boolean(x));
  if (inboxIds.length) await core.store.deleteInbox(rec.instanceId, inboxIds);

  if (TERMINAL.has(rec.status)) {
    clearTimers(core, l);
    notifyParent(core, rec);
    return;
  }
  for (const w of turn.work) w();
}

/** The batch's events that are new (exactly once), or undefined when none is. */
function admit(core: EngineCore, l: Live, batch: Pending[]): StepTurn | undefined {
  const now = stepTime(core, l);
  const turn: StepTurn = {
    now,
    appended: [ev.orchestratorStarted(now)],
    work: [],
    failuresToRetry: 0,
    prevLength: l.history.length,
    pairs: {},
    customStatus: l.rec.customStatus,
  };
  for (const p of batch) {
    // Exactly-once: an inbox event already in history (crash after commit) is dropped.
    if (p.event._inboxId && l.history.some((h) => h._inboxId === p.event._inboxId)) continue;
    if (isCompletion(p.event) && alreadyCompleted(l, p.event)) continue;
    turn.appended.push(p.event);
    pairRetry(p, l.rec, turn.pairs);
    if (!p.retry && p.event.EventType === EventType.TaskFailed) turn.failuresToRetry++;
  }
  return turn.appended.length === 1 ? undefined : turn;
}

/** Replay and judge: what the orchestrator now wants, scheduled into the turn. */
async function decide(core: EngineCore, l: Live, turn: StepTurn): Promise<Outcome> {
  const rec = l.rec;
  const handler = core.fns.orchestrator(rec.name);
  if (!handler) return { kind: "failed", failure: orchestratorMissing(rec.name) };
  const history = l.history.concat(turn.appended);
  const res = await replay(handler, rec.name, {
    instanceId: rec.instanceId,
    input: JSON.parse(rec.input),
    parentInstanceId: rec.parentInstanceId,
    history: history.map((e, i) => ({ ...e, IsPlayed: i < turn.prevLength })),
    isReplaying: turn.prevLength > 0,
  });
  turn.customStatus = toJson(res.customStatus ?? null);
  const mismatch = checkDeterminism(rec, res.actions, res.isDone || res.failed);
  if (mismatch) return { kind: "failed", failure: mismatch };
  if (res.failed) {
    return {
      kind: "failed",
      failure: { ErrorType: "OrchestrationFailure", ErrorMessage: res.error ?? "orchestrator failed" },
    };
  }
  return scheduleFresh(core, l, res, turn);
}

function scheduleFresh(core: EngineCore, l: Live, res: ReplayResult, turn: StepTurn): Outcome {
  let outcome: Outcome = { kind: "continue" };
  for (const action of res.actions.slice(l.rec.leafLog.length)) {
    const r = schedule(core, l, action, turn);
    if (r && "continueAsNew" in r) outcome = { kind: "again", input: r.continueAsNew };
    if (r && "unsupported" in r) {
      outcome = { kind: "failed", failure: { ErrorType: "NotSupported", ErrorMessage: r.unsupported } };
      break;
    }
  }
  cancelTimers(core, l, res.actions);
  if (res.isDone && outcome.kind === "continue") outcome = { kind: "done", output: res.output };
  return outcome;
}

/** The retry timer a failure asks for, and the re-attempt a fired retry timer asks for. */
function addRetryWork(core: EngineCore, l: Live, turn: StepTurn, outcome: Outcome): void {
  const { timer, reattempt } = turn.pairs;
  if (timer) {
    const event = retryTimerEvent(timer, turn.now);
    turn.appended.push(event);
    turn.work.push(() => armTimer(core, l, timer.seq, new Date(event.FireAt!), { retry: timer.retry }));
  }
  if (reattempt && outcome.kind === "continue") {
    turn.appended.push(scheduledEvent(l, reattempt.seq, reattempt.retry, turn.now));
    turn.work.push(() => launch(core, l, reattempt.seq, reattempt.retry));
  }
}

/** The instance's new status, output and closing event. */
function settle(core: EngineCore, l: Live, turn: StepTurn, outcome: Outcome): void {
  const rec = l.rec;
  switch (outcome.kind) {
    case "done":
      turn.appended.push(ev.executionCompleted(toJson(outcome.output), turn.now));
      rec.status = "Completed";
      rec.output = toJson(outcome.output);
      break;
    case "failed": {
      const f = outcome.failure;
      turn.appended.push(ev.executionFailed(f, turn.now));
      rec.status = "Failed";
      rec.output = JSON.stringify(f.ErrorMessage);
      // A replay that no longer matches its history, or an orchestrator the deploy removed, is a
      // deployment defect, not a saga outcome: say so at error level, as the extension does.
      const level = REPLAY_BROKEN.has(f.ErrorType) ? "error" : "warn";
      core.log(level, `durable: ${rec.name} ${rec.instanceId} failed (${f.ErrorType}): ${f.ErrorMessage}`);
      break;
    }
    case "again":
      break;
    default:
      rec.status = "Running";
  }
  rec.customStatus = turn.customStatus;
  rec.lastUpdatedTime = turn.now.toISOString();
}

/** continue-as-new: a fresh history with the new input, same instance id. */
async function continueAsNew(core: EngineCore, l: Live, input: unknown, now: Date): Promise<void> {
  const rec = l.rec;
  clearTimers(core, l);
  rec.input = toJson(input);
  rec.generation += 1;
  rec.nextSeq = 0;
  rec.leafLog = [];
  rec.historyLength = 0;
  rec.status = "Running";
  l.history = [];
  await core.store.putInstance(rec);
  l.inbox.unshift({ event: ev.executionStarted(rec.name, rec.input, now) });
}

/** Ends the instance as Terminated, with the reason as its output. */
export async function terminateStep(core: EngineCore, l: Live, reason: string): Promise<void> {
  if (TERMINAL.has(l.rec.status)) return;
  const now = stepTime(core, l);
  clearTimers(core, l);
  const full = l.history.concat([ev.orchestratorStarted(now), ev.executionTerminated(reason, now)]);
  l.rec.status = "Terminated";
  l.rec.output = JSON.stringify(reason);
  l.rec.historyLength = full.length;
  l.rec.lastUpdatedTime = now.toISOString();
  await core.store.appendHistory(l.rec, full, l.history.length);
  await core.store.putInstance(l.rec);
  l.history = full;
  l.inbox = [];
  notifyParent(core, l.rec);
}

export function isCompletion(e: HistoryEvent): boolean {
  return (
    e.EventType === EventType.TaskCompleted ||
    e.EventType === EventType.TaskFailed ||
    e.EventType === EventType.TimerFired ||
    e.EventType === EventType.SubOrchestrationInstanceCompleted ||
    e.EventType === EventType.SubOrchestrationInstanceFailed
  );
}

function alreadyCompleted(l: Live, e: HistoryEvent): boolean {
  const id = e.TaskScheduledId ?? e.TimerId;
  return l.history.some(
    (h) => isCompletion(h) && (h.TaskScheduledId ?? h.TimerId) === id && h.EventType === e.EventType,
  );
}
