/**
 * Carrying out what a replay scheduled: activity attempts (at least once, at most N at a time),
 * sub-orchestrations, and a finished child's answer to its parent.
 */
import { randomUUID } from "node:crypto";
import { InvocationContext } from "@azure/functions";
import { ev, EventType, toFailure, toJson, type HistoryEvent } from "./history";
import { deliver, stillCurrent, type EngineCore, type Live } from "./instance";
import { childIdOf, retryFromEvent, type RetryState } from "./retries";
import { TERMINAL, type InstanceRecord } from "./store";

/** Start an activity attempt or a sub-orchestration attempt for sequence number `seq`. */
export function launch(core: EngineCore, l: Live, seq: number, retry: RetryState, withRetry = true): void {
  const gen = l.rec.generation;
  const answer = (event: HistoryEvent, failed: boolean): void => {
    if (!stillCurrent(core, l, gen)) return;
    const retried = failed && withRetry;
    deliver(core, l, { event, solo: retried, retry: retried ? retry : undefined });
  };
  if (retry.kind === "sub") {
    void startChild(core, l, seq, retry).catch((e) =>
      answer(ev.subOrchestrationFailed(seq, toFailure(e), new Date(core.clock.now())), true),
    );
    return;
  }
  core.runLimited(() => runActivity(core, l, seq, retry, answer));
}

async function runActivity(
  core: EngineCore,
  l: Live,
  seq: number,
  retry: RetryState,
  answer: (event: HistoryEvent, failed: boolean) => void,
): Promise<void> {
  if (core.stopped()) return;
  const at = () => new Date(core.clock.now());
  const handler = core.fns.activity(retry.name);
  if (!handler) {
    const failure = {
      ErrorType: "FunctionNotFound",
      ErrorMessage: `The activity function '${retry.name}' is not registered in the function app.`,
    };
    answer(ev.taskFailed(seq, failure, at()), true);
    return;
  }
  try {
    const result = await handler(retry.input, activityContext(core, l, retry.name));
    if (!core.stopped()) answer(ev.taskCompleted(seq, toJson(result), at()), false);
  } catch (e) {
    if (!core.stopped()) answer(ev.taskFailed(seq, toFailure(e), at()), true);
  }
}

function activityContext(core: EngineCore, l: Live, name: string): InvocationContext {
  return new InvocationContext({
    functionName: name,
    invocationId: randomUUID(),
    options: { trigger: { type: "activityTrigger", name: "input" } },
    // As the extension's ActivityTrigger binding data: the calling orchestration's instance id.
    triggerMetadata: { instanceId: l.rec.instanceId },
    logHandler: (level, ...args) =>
      core.log(
        level === "error" ? "error" : level === "warning" ? "warn" : "info",
        `[${name}] ${args.map(String).join(" ")}`,
      ),
  });
}

async function startChild(core: EngineCore, parent: Live, seq: number, retry: RetryState): Promise<void> {
  const childId = childIdOf(parent, seq, retry);
  const existing = core.live.get(childId)?.rec ?? (await core.store.getInstance(childId));
  if (existing && existing.parentInstanceId === parent.rec.instanceId && existing.parentSeq === seq) {
    // Started before a restart: only its answer may be missing.
    if (TERMINAL.has(existing.status)) notifyParent(core, existing);
    return;
  }
  if (existing && !TERMINAL.has(existing.status)) {
    throw new Error(`An instance with ID '${childId}' already exists and is ${existing.status}.`);
  }
  await core.start(retry.name, childId, retry.inputJson, { id: parent.rec.instanceId, seq });
}

/** A finished sub-orchestration's outcome, delivered to its parent. */
export function notifyParent(core: EngineCore, child: InstanceRecord): void {
  if (!child.parentInstanceId || child.parentSeq === undefined) return;
  const parent = core.live.get(child.parentInstanceId);
  if (!parent || TERMINAL.has(parent.rec.status)) return;
  const seq = child.parentSeq;
  const scheduled = parent.history.find(
    (h) => h.EventType === EventType.SubOrchestrationInstanceCreated && h.EventId === seq,
  );
  const retry = scheduled?._retry ? retryFromEvent(scheduled) : undefined;
  const now = new Date(core.clock.now());
  const failed = child.status !== "Completed";
  const event = failed
    ? ev.subOrchestrationFailed(
        seq,
        {
          ErrorType: "SubOrchestrationFailed",
          ErrorMessage: `Orchestration '${child.name}' (${child.instanceId}) ${child.status.toLowerCase()}: ${safeParse(child.output)}`,
        },
        now,
      )
    : ev.subOrchestrationCompleted(seq, child.output, now);
  deliver(core, parent, { event, solo: failed && Boolean(retry), retry: failed ? retry : undefined });
}

function safeParse(json: string): string {
  try {
    const v = JSON.parse(json) as unknown;
    return typeof v === "string" ? v : JSON.stringify(v);
  } catch {
    return json;
  }
}

/** At most `limit` activities at a time; the rest wait their turn in order. */
export class ActivitySlots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  run(task: () => Promise<void>): void {
    const start = (): void => {
      this.active++;
      void task().finally(() => {
        this.active--;
        this.waiting.shift()?.();
      });
    };
    if (this.active < this.limit) start();
    else this.waiting.push(start);
  }
}
