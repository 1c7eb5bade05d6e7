/**
 * The dev host's durable task engine. Orchestrators run through the durable-functions SDK's own replay
 * (replay.ts); this file is the host side of the protocol: it keeps each instance's history, feeds new
 * events one step at a time, turns the actions the SDK returns into history events and work
 * (activities, timers, sub-orchestrations, retries), and recovers every unfinished instance from
 * storage after a restart. Activities run at least once; history is appended exactly once.
 */
import { randomUUID } from "node:crypto";
import { InvocationContext } from "@azure/functions";
import { ev, EventType, toFailure, toJson, type FailureDetails, type HistoryEvent } from "./history";
import { ActionType, replay, type OrchestratorHandler, type RetryOptions, type SdkAction } from "./replay";
import { HubStore, TERMINAL, type InstanceRecord, type RuntimeStatus } from "./store";

export type ActivityHandler = (input: unknown, context: InvocationContext) => Promise<unknown>;

export interface EngineFunctions {
  orchestrator(name: string): OrchestratorHandler | undefined;
  activity(name: string): ActivityHandler | undefined;
}

export interface EngineOptions {
  store: HubStore;
  functions: EngineFunctions;
  log: (level: "info" | "warn" | "error", msg: string) => void;
  maxConcurrentActivities?: number;
  /** Most completions folded into one replay. */
  maxBatch?: number;
}

interface Pending {
  event: HistoryEvent;
  /** Retry-related events must be replayed alone so sequence numbers stay aligned with the SDK. */
  solo?: boolean;
  inboxId?: string;
  retry?: RetryState;
}

interface RetryState {
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

interface Live {
  rec: InstanceRecord;
  history: HistoryEvent[];
  inbox: Pending[];
  busy: boolean;
  timers: Map<number, NodeJS.Timeout>;
  terminateReason?: string;
  idle: Array<() => void>;
  running?: Promise<void>;
}

const MAX_TIMEOUT = 2_147_000_000;

const REPLAY_BROKEN = new Set(["NonDeterministicOrchestrationError", "FunctionNotFound"]);

const REPLAY_HINT =
  "Orchestrators must make the same calls in the same order on every replay (no Date.now, Math.random or I/O). " +
  "Was the orchestrator changed while this instance was in flight? A breaking change needs a new " +
  "orchestrator name, with the old one kept until its instances drain (docs/versioning.md).";

export class DurableEngine {
  private readonly live = new Map<string, Live>();
  private readonly store: HubStore;
  private readonly fns: EngineFunctions;
  private readonly log: EngineOptions["log"];
  private readonly maxBatch: number;
  private readonly activityLimit: number;
  private activeActivities = 0;
  private readonly activityQueue: Array<() => Promise<void>> = [];
  private stopped = false;

  constructor(opts: EngineOptions) {
    this.store = opts.store;
    this.fns = opts.functions;
    this.log = opts.log;
    this.maxBatch = opts.maxBatch ?? 1000;
    this.activityLimit = opts.maxConcurrentActivities ?? 100;
  }

  /** Load every unfinished instance and re-create the work its history says is outstanding. */
  async recover(): Promise<number> {
    const open = await this.store.listInstances({ statuses: ["Pending", "Running", "ContinuedAsNew"] });
    for (const row of open) {
      // The meta row in the history partition is the commit point; the Instances row may lag it.
      const committed = await this.store.loadCommitted(row.instanceId);
      const rec = committed?.rec ?? row;
      const history = committed?.history ?? [];
      const l = this.attach(rec, history);
      this.rederiveWork(l, await this.store.listInbox(rec.instanceId));
    }
    for (const rec of open) this.pump(this.live.get(rec.instanceId)!);
    if (open.length) this.log("info", `durable: resumed ${open.length} unfinished instance(s)`);
    return open.length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const l of this.live.values()) for (const t of l.timers.values()) clearTimeout(t);
    await Promise.all([...this.live.values()].map((l) => l.running));
  }

  // ---- client operations -------------------------------------------------------------------

  async start(
    name: string,
    instanceId: string,
    inputJson: string,
    parent?: { id: string; seq: number },
  ): Promise<InstanceRecord> {
    const now = new Date().toISOString();
    const rec: InstanceRecord = {
      instanceId,
      name,
      status: "Pending",
      input: inputJson || "null",
      output: "null",
      customStatus: "null",
      createdTime: now,
      lastUpdatedTime: now,
      historyLength: 0,
      nextSeq: 0,
      leafLog: [],
      parentInstanceId: parent?.id,
      parentSeq: parent?.seq,
      generation: 0,
    };
    const old = this.live.get(instanceId);
    if (old) {
      for (const t of old.timers.values()) clearTimeout(t);
      rec.generation = old.rec.generation + 1;
    }
    await this.store.purge(instanceId);
    await this.store.putInstance(rec);
    const l = this.attach(rec, []);
    l.inbox.push({ event: ev.executionStarted(name, rec.input, new Date()) });
    this.pump(l);
    return rec;
  }

  async getRecord(instanceId: string): Promise<InstanceRecord | undefined> {
    return this.live.get(instanceId)?.rec ?? (await this.store.getInstance(instanceId));
  }

  async getHistory(instanceId: string): Promise<HistoryEvent[]> {
    const l = this.live.get(instanceId);
    if (l) return l.history;
    return (await this.store.loadCommitted(instanceId))?.history ?? [];
  }

  /** Persist then deliver an external event. Returns false when the instance is finished. */
  async raiseEvent(instanceId: string, eventName: string, dataJson: string): Promise<boolean> {
    const l = this.live.get(instanceId);
    if (!l || TERMINAL.has(l.rec.status)) return false;
    const inboxId = `${Date.now().toString(36)}-${randomUUID()}`;
    const event = { ...ev.eventRaised(eventName, dataJson || "null", new Date()), _inboxId: inboxId };
    await this.store.putInbox(instanceId, inboxId, event);
    l.inbox.push({ event, inboxId });
    this.pump(l);
    return true;
  }

  async terminate(instanceId: string, reason: string): Promise<boolean> {
    const l = this.live.get(instanceId);
    if (!l || TERMINAL.has(l.rec.status)) return false;
    l.terminateReason = reason || "terminated";
    this.pump(l);
    await this.whenIdle(l);
    return true;
  }

  async purge(instanceId: string): Promise<boolean> {
    const rec = await this.getRecord(instanceId);
    if (!rec) return false;
    const l = this.live.get(instanceId);
    if (l) {
      for (const t of l.timers.values()) clearTimeout(t);
      this.live.delete(instanceId);
    }
    await this.store.purge(instanceId);
    return true;
  }

  async list(): Promise<InstanceRecord[]> {
    const stored = await this.store.listInstances();
    return stored.map((r) => this.live.get(r.instanceId)?.rec ?? r);
  }

  /** Resolves when the instance has no event waiting to be replayed. */
  whenIdle(l: Live): Promise<void> {
    if (!l.busy && l.inbox.length === 0 && !l.terminateReason) return Promise.resolve();
    return new Promise((resolve) => l.idle.push(resolve));
  }

  // ---- the step loop -----------------------------------------------------------------------

  private attach(rec: InstanceRecord, history: HistoryEvent[]): Live {
    const l: Live = { rec, history, inbox: [], busy: false, timers: new Map(), idle: [] };
    this.live.set(rec.instanceId, l);
    return l;
  }

  private pump(l: Live): void {
    if (l.busy || this.stopped) return;
    l.busy = true;
    l.running = (async () => {
      try {
        while (!this.stopped && this.live.get(l.rec.instanceId) === l) {
          if (l.terminateReason !== undefined) {
            await this.doTerminate(l);
            continue;
          }
          if (l.inbox.length === 0 || TERMINAL.has(l.rec.status)) break;
          const batch = this.takeBatch(l);
          await this.step(l, batch);
        }
      } catch (e) {
        this.log("error", `durable: instance ${l.rec.instanceId} step failed: ${(e as Error).stack ?? e}`);
        // Storage trouble: leave the events queued and try again shortly.
        setTimeout(() => this.pump(l), 1000).unref();
      } finally {
        l.busy = false;
        if (l.inbox.length === 0 || TERMINAL.has(l.rec.status)) l.idle.splice(0).forEach((f) => f());
      }
    })();
  }

  private takeBatch(l: Live): Pending[] {
    if (l.inbox[0].solo) return l.inbox.splice(0, 1);
    let n = 0;
    while (n < l.inbox.length && n < this.maxBatch && !l.inbox[n].solo) n++;
    return l.inbox.splice(0, n);
  }

  private async step(l: Live, batch: Pending[]): Promise<void> {
    const rec = l.rec;
    const before = { status: rec.status, customStatus: rec.customStatus };
    const now = new Date();
    const handler = this.fns.orchestrator(rec.name);
    const prevLength = l.history.length;
    const appended: HistoryEvent[] = [ev.orchestratorStarted(now)];
    const work: Array<() => void> = [];
    let reattempt: { seq: number; retry: RetryState } | undefined;
    let retryTimer: { seq: number; retry: RetryState; final: boolean } | undefined;

    for (const p of batch) {
      // Exactly-once: an inbox event already in history (crash after commit) is dropped.
      if (p.event._inboxId && l.history.some((h) => h._inboxId === p.event._inboxId)) continue;
      if (isCompletion(p.event) && this.alreadyCompleted(l, p.event)) continue;
      appended.push(p.event);
      if (
        p.retry &&
        (p.event.EventType === EventType.TaskFailed ||
          p.event.EventType === EventType.SubOrchestrationInstanceFailed)
      ) {
        // The SDK takes the next sequence number for the retry timer as it processes this failure.
        const final = p.retry.attempt >= p.retry.options.maxNumberOfAttempts;
        retryTimer = { seq: rec.nextSeq++, retry: p.retry, final };
      }
      if (
        p.retry &&
        p.event.EventType === EventType.TimerFired &&
        p.retry.attempt < p.retry.options.maxNumberOfAttempts
      ) {
        // ...and the next one for the re-attempt when that timer fires (unless attempts are used up).
        reattempt = { seq: rec.nextSeq++, retry: { ...p.retry, attempt: p.retry.attempt + 1 } };
      }
    }
    if (appended.length === 1) return;

    const history = l.history.concat(appended);
    let outcome:
      | { kind: "continue" }
      | { kind: "done"; output: unknown }
      | { kind: "failed"; failure: FailureDetails }
      | { kind: "again"; input: unknown };
    let customStatus = rec.customStatus;
    if (!handler) {
      outcome = {
        kind: "failed",
        failure: {
          ErrorType: "FunctionNotFound",
          ErrorMessage:
            `The orchestrator function '${rec.name}' is not registered in the function app. ` +
            "Was it removed while instances of it were in flight? Keep it until they drain (docs/versioning.md).",
        },
      };
    } else {
      const res = await replay(handler, rec.name, {
        instanceId: rec.instanceId,
        input: JSON.parse(rec.input),
        parentInstanceId: rec.parentInstanceId,
        history: history.map((e, i) => ({ ...e, IsPlayed: i < prevLength })),
        isReplaying: prevLength > 0,
      });
      customStatus = toJson(res.customStatus ?? null);
      const mismatch = this.checkDeterminism(rec, res.actions, res.isDone || res.failed);
      if (mismatch) {
        outcome = {
          kind: "failed",
          failure: { ErrorType: "NonDeterministicOrchestrationError", ErrorMessage: mismatch },
        };
      } else if (res.failed) {
        outcome = {
          kind: "failed",
          failure: { ErrorType: "OrchestrationFailure", ErrorMessage: res.error ?? "orchestrator failed" },
        };
      } else {
        outcome = { kind: "continue" };
        const fresh = res.actions.slice(rec.leafLog.length);
        for (const action of fresh) {
          const r = this.schedule(l, action, now, appended, work);
          if (r && "continueAsNew" in r) outcome = { kind: "again", input: r.continueAsNew };
          if (r && "unsupported" in r) {
            outcome = { kind: "failed", failure: { ErrorType: "NotSupported", ErrorMessage: r.unsupported } };
            break;
          }
        }
        this.cancelTimers(l, res.actions);
        if (res.isDone && outcome.kind === "continue") outcome = { kind: "done", output: res.output };
      }
    }

    if (retryTimer) {
      const { seq, retry, final } = retryTimer;
      const delay = final ? 0 : retryDelay(retry.options, retry.attempt);
      const fireAt = new Date(now.getTime() + delay);
      appended.push({
        ...ev.timerCreated(seq, fireAt, now),
        _retryRoot: retry.root,
        _attempt: retry.attempt,
      });
      work.push(() => this.armTimer(l, seq, fireAt, retry));
    }
    if (reattempt && outcome.kind === "continue") {
      const { seq, retry } = reattempt;
      appended.push(this.scheduledEvent(l, seq, retry, now));
      work.push(() => this.launch(l, seq, retry));
    }

    switch (outcome.kind) {
      case "done":
        appended.push(ev.executionCompleted(toJson(outcome.output), now));
        rec.status = "Completed";
        rec.output = toJson(outcome.output);
        break;
      case "failed":
        appended.push(ev.executionFailed(outcome.failure, now));
        rec.status = "Failed";
        rec.output = JSON.stringify(outcome.failure.ErrorMessage);
        // A replay that no longer matches its history, or an orchestrator the deploy removed, is a
        // deployment defect, not a saga outcome: say so at error level, as the extension does.
        this.log(
          REPLAY_BROKEN.has(outcome.failure.ErrorType) ? "error" : "warn",
          `durable: ${rec.name} ${rec.instanceId} failed (${outcome.failure.ErrorType}): ${outcome.failure.ErrorMessage}`,
        );
        break;
      case "again":
        break;
      default:
        rec.status = "Running";
    }
    rec.customStatus = customStatus;
    rec.lastUpdatedTime = now.toISOString();

    if (outcome.kind === "again") {
      // continue-as-new: a fresh history with the new input, same instance id.
      for (const t of l.timers.values()) clearTimeout(t);
      l.timers.clear();
      rec.input = toJson(outcome.input);
      rec.generation += 1;
      rec.nextSeq = 0;
      rec.leafLog = [];
      rec.historyLength = 0;
      rec.status = "Running";
      l.history = [];
      await this.store.putInstance(rec);
      l.inbox.unshift({ event: ev.executionStarted(rec.name, rec.input, now) });
      return;
    }

    const full = l.history.concat(appended);
    rec.historyLength = full.length;
    // The Instances row (what queries read) is only rewritten when something visible changed.
    const visible = before.status !== rec.status || before.customStatus !== rec.customStatus;
    await Promise.all([
      this.store.appendHistory(rec, full, prevLength),
      visible ? this.store.putInstance(rec) : undefined,
    ]);
    l.history = full;
    const inboxIds = batch.map((p) => p.inboxId).filter((x): x is string => Boolean(x));
    if (inboxIds.length) await this.store.deleteInbox(rec.instanceId, inboxIds);

    if (TERMINAL.has(rec.status)) {
      for (const t of l.timers.values()) clearTimeout(t);
      l.timers.clear();
      this.notifyParent(rec);
      return;
    }
    for (const w of work) w();
  }

  /** Turn one new leaf action into history + work. */
  private schedule(
    l: Live,
    a: SdkAction,
    now: Date,
    appended: HistoryEvent[],
    work: Array<() => void>,
  ): { continueAsNew: unknown } | { unsupported: string } | undefined {
    const rec = l.rec;
    const name = a.functionName ?? "";
    switch (a.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry: {
        const seq = rec.nextSeq++;
        const input = parseQuirkInput(a.input);
        const retry: RetryState = {
          kind: "activity",
          root: seq,
          attempt: 1,
          options: a.retryOptions ?? { firstRetryIntervalInMilliseconds: 0, maxNumberOfAttempts: 1 },
          name,
          input,
          inputJson: toJson(input),
        };
        rec.leafLog.push(`${a.actionType}:${name}:${seq}`);
        const withRetry = a.actionType === ActionType.CallActivityWithRetry;
        appended.push(this.scheduledEvent(l, seq, retry, now, withRetry));
        work.push(() => this.launch(l, seq, retry, withRetry));
        return undefined;
      }
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        const seq = rec.nextSeq++;
        const withRetry = a.actionType === ActionType.CallSubOrchestratorWithRetry;
        const retry: RetryState = {
          kind: "sub",
          root: seq,
          attempt: 1,
          options: a.retryOptions ?? { firstRetryIntervalInMilliseconds: 0, maxNumberOfAttempts: 1 },
          name,
          input: null,
          inputJson: toJson(a.input ?? null),
          childId: a.instanceId || undefined,
        };
        rec.leafLog.push(`${a.actionType}:${name}:${seq}`);
        appended.push(this.scheduledEvent(l, seq, retry, now, withRetry));
        work.push(() => this.launch(l, seq, retry, withRetry));
        return undefined;
      }
      case ActionType.CreateTimer: {
        const seq = rec.nextSeq++;
        const fireAt = new Date(a.fireAt ?? now);
        rec.leafLog.push(`${a.actionType}:timer:${seq}`);
        appended.push(ev.timerCreated(seq, fireAt, now));
        if (!a.isCanceled) work.push(() => this.armTimer(l, seq, fireAt));
        return undefined;
      }
      case ActionType.WaitForExternalEvent:
        rec.leafLog.push(`${a.actionType}:${a.externalEventName ?? ""}:-1`);
        return undefined;
      case ActionType.ContinueAsNew:
        rec.leafLog.push(`${a.actionType}::-1`);
        return { continueAsNew: parseQuirkInput(a.input) };
      default:
        return {
          unsupported: `action type ${a.actionType} (entities, callHttp) is not supported by the dev host`,
        };
    }
  }

  private scheduledEvent(l: Live, seq: number, retry: RetryState, now: Date, withRetry = true): HistoryEvent {
    const base =
      retry.kind === "activity"
        ? ev.taskScheduled(seq, retry.name, retry.inputJson, now)
        : {
            ...ev.subOrchestrationCreated(seq, retry.name, this.childId(l, seq, retry), retry.inputJson, now),
            _childId: retry.childId,
          };
    return withRetry
      ? ({ ...base, _retryRoot: retry.root, _attempt: retry.attempt, _retry: retry.options } as HistoryEvent)
      : base;
  }

  /** Deterministic child ids (parent:seq) unless the orchestrator named one. */
  private childId(l: Live, seq: number, retry: RetryState): string {
    return retry.childId ?? `${l.rec.instanceId}:${seq}`;
  }

  /** Start an activity attempt or a sub-orchestration attempt for sequence number `seq`. */
  private launch(l: Live, seq: number, retry: RetryState, withRetry = true): void {
    const gen = l.rec.generation;
    const deliver = (event: HistoryEvent, failed: boolean) => {
      if (this.live.get(l.rec.instanceId) !== l || l.rec.generation !== gen || TERMINAL.has(l.rec.status))
        return;
      l.inbox.push({ event, solo: failed && withRetry, retry: failed && withRetry ? retry : undefined });
      this.pump(l);
    };
    if (retry.kind === "sub") {
      void this.startChild(l, seq, retry, this.childId(l, seq, retry)).catch((e) =>
        deliver(ev.subOrchestrationFailed(seq, toFailure(e), new Date()), true),
      );
      return;
    }
    this.runLimited(async () => {
      if (this.stopped) return;
      const handler = this.fns.activity(retry.name);
      if (!handler) {
        deliver(
          ev.taskFailed(
            seq,
            {
              ErrorType: "FunctionNotFound",
              ErrorMessage: `The activity function '${retry.name}' is not registered in the function app.`,
            },
            new Date(),
          ),
          true,
        );
        return;
      }
      const context = new InvocationContext({
        functionName: retry.name,
        invocationId: randomUUID(),
        options: { trigger: { type: "activityTrigger", name: "input" } },
        // As the extension's ActivityTrigger binding data: the calling orchestration's instance id.
        triggerMetadata: { instanceId: l.rec.instanceId },
        logHandler: (level, ...args) =>
          this.log(
            level === "error" ? "error" : level === "warning" ? "warn" : "info",
            `[${retry.name}] ${args.map(String).join(" ")}`,
          ),
      });
      try {
        const result = await handler(retry.input, context);
        if (!this.stopped) deliver(ev.taskCompleted(seq, toJson(result), new Date()), false);
      } catch (e) {
        if (!this.stopped) deliver(ev.taskFailed(seq, toFailure(e), new Date()), true);
      }
    });
  }

  private async startChild(parent: Live, seq: number, retry: RetryState, childId: string): Promise<void> {
    const existing = this.live.get(childId)?.rec ?? (await this.store.getInstance(childId));
    if (existing && existing.parentInstanceId === parent.rec.instanceId && existing.parentSeq === seq) {
      if (TERMINAL.has(existing.status)) this.notifyParent(existing);
      return;
    }
    if (existing && !TERMINAL.has(existing.status)) {
      throw new Error(`An instance with ID '${childId}' already exists and is ${existing.status}.`);
    }
    await this.start(retry.name, childId, retry.inputJson, { id: parent.rec.instanceId, seq });
  }

  private notifyParent(child: InstanceRecord): void {
    if (!child.parentInstanceId || child.parentSeq === undefined) return;
    const parent = this.live.get(child.parentInstanceId);
    if (!parent || TERMINAL.has(parent.rec.status)) return;
    const seq = child.parentSeq;
    const scheduled = parent.history.find(
      (h) => h.EventType === EventType.SubOrchestrationInstanceCreated && h.EventId === seq,
    ) as (HistoryEvent & { _retry?: RetryOptions }) | undefined;
    const retry = scheduled?._retry ? this.retryFromEvent(scheduled) : undefined;
    const now = new Date();
    const event =
      child.status === "Completed"
        ? ev.subOrchestrationCompleted(seq, child.output, now)
        : ev.subOrchestrationFailed(
            seq,
            {
              ErrorType: "SubOrchestrationFailed",
              ErrorMessage: `Orchestration '${child.name}' (${child.instanceId}) ${child.status.toLowerCase()}: ${safeParse(child.output)}`,
            },
            now,
          );
    const failed = child.status !== "Completed";
    parent.inbox.push({ event, solo: failed && Boolean(retry), retry: failed ? retry : undefined });
    this.pump(parent);
  }

  private armTimer(l: Live, seq: number, fireAt: Date, retry?: RetryState): void {
    if (this.stopped) return;
    const gen = l.rec.generation;
    const fire = () => {
      l.timers.delete(seq);
      if (this.live.get(l.rec.instanceId) !== l || l.rec.generation !== gen || TERMINAL.has(l.rec.status))
        return;
      l.inbox.push({
        event: ev.timerFired(seq, fireAt.toISOString(), new Date()),
        solo: Boolean(retry),
        retry,
      });
      this.pump(l);
    };
    const wait = () => {
      const ms = fireAt.getTime() - Date.now();
      if (ms <= 0) return fire();
      const t = setTimeout(wait, Math.min(ms, MAX_TIMEOUT));
      l.timers.set(seq, t);
    };
    wait();
  }

  /** A timer the orchestrator cancelled (e.g. the loser of Task.any) is disarmed. */
  private cancelTimers(l: Live, actions: SdkAction[]): void {
    actions.forEach((a, i) => {
      if (a.actionType !== ActionType.CreateTimer || !a.isCanceled || i >= l.rec.leafLog.length) return;
      const seq = Number(l.rec.leafLog[i].split(":")[2]);
      const t = l.timers.get(seq);
      if (t) {
        clearTimeout(t);
        l.timers.delete(seq);
      }
    });
  }

  /**
   * The replay must schedule what the history recorded, in order; as DurableTask.Core does, an
   * orchestrator that now finishes without scheduling a recorded step is non-deterministic too.
   */
  private checkDeterminism(rec: InstanceRecord, actions: SdkAction[], finished: boolean): string | undefined {
    const n = Math.min(rec.leafLog.length, actions.length);
    for (let i = 0; i < n; i++) {
      const [type, name] = rec.leafLog[i].split(":");
      const a = actions[i];
      const actual =
        a.actionType === ActionType.CreateTimer
          ? "timer"
          : a.actionType === ActionType.WaitForExternalEvent
            ? (a.externalEventName ?? "")
            : (a.functionName ?? "");
      if (Number(type) !== a.actionType || name !== actual) {
        return (
          `Non-deterministic orchestrator '${rec.name}': on replay, step ${i + 1} scheduled ` +
          `${describe(a.actionType, actual)} but the history recorded ${describe(Number(type), name)}. ` +
          REPLAY_HINT
        );
      }
    }
    if (finished && actions.length < rec.leafLog.length) {
      const [type, name] = rec.leafLog[actions.length].split(":");
      return (
        `Non-deterministic orchestrator '${rec.name}': on replay it finished after ${actions.length} step(s), ` +
        `but the history recorded step ${actions.length + 1}, ${describe(Number(type), name)}. ` +
        REPLAY_HINT
      );
    }
    return undefined;
  }

  private alreadyCompleted(l: Live, e: HistoryEvent): boolean {
    const id = e.TaskScheduledId ?? e.TimerId;
    return l.history.some(
      (h) => isCompletion(h) && (h.TaskScheduledId ?? h.TimerId) === id && h.EventType === e.EventType,
    );
  }

  private async doTerminate(l: Live): Promise<void> {
    const reason = l.terminateReason ?? "";
    l.terminateReason = undefined;
    if (TERMINAL.has(l.rec.status)) return;
    const now = new Date();
    for (const t of l.timers.values()) clearTimeout(t);
    l.timers.clear();
    const full = l.history.concat([ev.orchestratorStarted(now), ev.executionTerminated(reason, now)]);
    l.rec.status = "Terminated";
    l.rec.output = JSON.stringify(reason);
    l.rec.historyLength = full.length;
    l.rec.lastUpdatedTime = now.toISOString();
    await this.store.appendHistory(l.rec, full, l.history.length);
    await this.store.putInstance(l.rec);
    l.history = full;
    l.inbox = [];
    this.notifyParent(l.rec);
  }

  /** After a restart: what the committed history says is still outstanding. */
  private rederiveWork(l: Live, inbox: HistoryEvent[]): void {
    const h = l.history;
    if (h.length === 0) {
      l.inbox.push({ event: ev.executionStarted(l.rec.name, l.rec.input, new Date()) });
    }
    const done = new Set<number>();
    const fired = new Set<number>();
    for (const e of h) {
      if (e.TaskScheduledId !== undefined) done.add(e.TaskScheduledId);
      if (e.EventType === EventType.TimerFired && e.TimerId !== undefined) fired.add(e.TimerId);
    }
    for (const e of h) {
      const withRetry = Boolean((e as { _retry?: unknown })._retry);
      if (e.EventType === EventType.TaskScheduled && !done.has(e.EventId)) {
        this.launch(l, e.EventId, this.retryFromEvent(e), withRetry);
      } else if (e.EventType === EventType.SubOrchestrationInstanceCreated && !done.has(e.EventId)) {
        this.launch(l, e.EventId, this.retryFromEvent(e), withRetry);
      } else if (e.EventType === EventType.TimerCreated && !fired.has(e.EventId)) {
        const retry = e._retryRoot !== undefined ? this.retryForTimer(l, e) : undefined;
        // A timer the orchestrator cancelled before the restart may fire; the SDK ignores it.
        this.armTimer(l, e.EventId, new Date(e.FireAt ?? Date.now()), retry);
      }
    }
    for (const e of inbox) {
      if (h.some((x) => x._inboxId === e._inboxId))
        void this.store.deleteInbox(l.rec.instanceId, [e._inboxId!]);
      else l.inbox.push({ event: e, inboxId: e._inboxId });
    }
  }

  private retryFromEvent(e: HistoryEvent): RetryState {
    const opts = (e as { _retry?: RetryOptions })._retry ?? {
      firstRetryIntervalInMilliseconds: 0,
      maxNumberOfAttempts: 1,
    };
    const inputJson = e.Input ?? "null";
    return {
      kind: e.EventType === EventType.SubOrchestrationInstanceCreated ? "sub" : "activity",
      root: e._retryRoot ?? e.EventId,
      attempt: e._attempt ?? 1,
      options: opts,
      name: e.Name ?? "",
      input: e.EventType === EventType.SubOrchestrationInstanceCreated ? null : JSON.parse(inputJson),
      inputJson,
      childId: (e as { _childId?: string })._childId,
    };
  }

  private retryForTimer(l: Live, timer: HistoryEvent): RetryState | undefined {
    const first = l.history.find(
      (x) =>
        (x.EventType === EventType.TaskScheduled ||
          x.EventType === EventType.SubOrchestrationInstanceCreated) &&
        x.EventId === timer._retryRoot,
    );
    if (!first) return undefined;
    return { ...this.retryFromEvent(first), attempt: timer._attempt ?? 1 };
  }

  private runLimited(task: () => Promise<void>): void {
    const run = () => {
      this.activeActivities++;
      void task().finally(() => {
        this.activeActivities--;
        const next = this.activityQueue.shift();
        if (next) void next();
      });
    };
    if (this.activeActivities < this.activityLimit) run();
    else
      this.activityQueue.push(async () => {
        run();
      });
  }
}

function isCompletion(e: HistoryEvent): boolean {
  return (
    e.EventType === EventType.TaskCompleted ||
    e.EventType === EventType.TaskFailed ||
    e.EventType === EventType.TimerFired ||
    e.EventType === EventType.SubOrchestrationInstanceCompleted ||
    e.EventType === EventType.SubOrchestrationInstanceFailed
  );
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

function retryDelay(o: RetryOptions, attempt: number): number {
  const raw = o.firstRetryIntervalInMilliseconds * Math.pow(o.backoffCoefficient ?? 1, attempt - 1);
  return Math.max(0, Math.min(raw, o.maxRetryIntervalInMilliseconds ?? Number.MAX_SAFE_INTEGER));
}

function describe(type: number, name: string): string {
  const kinds: Record<number, string> = {
    0: "activity",
    1: "activity",
    2: "sub-orchestration",
    3: "sub-orchestration",
    4: "continue-as-new",
    5: "timer",
    6: "wait for event",
  };
  return `${kinds[type] ?? `action ${type}`}${name && name !== "timer" ? ` '${name}'` : ""}`;
}

function safeParse(json: string): string {
  try {
    const v = JSON.parse(json) as unknown;
    return typeof v === "string" ? v : JSON.stringify(v);
  } catch {
    return json;
  }
}

export type { RuntimeStatus };
