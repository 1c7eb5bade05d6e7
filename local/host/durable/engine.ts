/**
 * The dev host's durable task engine: the client operations (start, raise, terminate, purge, query)
 * and the loop that replays each instance's waiting events one step at a time. How it works:
 * docs/durable-engine.md.
 */
import { randomUUID } from "node:crypto";
import { ev, type HistoryEvent } from "./history";
import {
  attach,
  clearTimers,
  type EngineCore,
  type EngineFunctions,
  type EngineLog,
  type Live,
  type ParentRef,
  type Pending,
} from "./instance";
import { createRealClock, type Clock } from "./clock";
import { recover } from "./recovery";
import { step, terminateStep } from "./step";
import { ActivitySlots } from "./work";
import { HubStore, TERMINAL, type InstanceRecord, type RuntimeStatus } from "./store";

export type { ActivityHandler, EngineFunctions } from "./instance";

export interface EngineOptions {
  store: HubStore;
  functions: EngineFunctions;
  log: EngineLog;
  maxConcurrentActivities?: number;
  /** Most completions folded into one replay. */
  maxBatch?: number;
  /** Time for history stamps, durable timers and retry waits (default: the wall clock). */
  clock?: Clock;
  /**
   * The real wait of a retry's backoff as a fraction of the interval the orchestrator asked for
   * (default 1). Durable timers that are not retry waits keep their length.
   */
  retryWaitScale?: number;
}

export class DurableEngine {
  private readonly live = new Map<string, Live>();
  private readonly store: HubStore;
  private readonly maxBatch: number;
  private readonly core: EngineCore;
  private stopped = false;

  constructor(opts: EngineOptions) {
    this.store = opts.store;
    this.maxBatch = opts.maxBatch ?? 1000;
    const slots = new ActivitySlots(opts.maxConcurrentActivities ?? 100);
    this.core = {
      store: opts.store,
      fns: opts.functions,
      log: opts.log,
      clock: opts.clock ?? createRealClock(),
      retryWaitScale: opts.retryWaitScale ?? 1,
      live: this.live,
      stopped: () => this.stopped,
      pump: (l) => this.pump(l),
      runLimited: (task) => slots.run(task),
      start: (name, id, input, parent) => this.start(name, id, input, parent),
    };
  }

  /** Load every unfinished instance and re-create the work its history says is outstanding. */
  recover(): Promise<number> {
    return recover(this.core);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const l of this.live.values()) clearTimers(this.core, l);
    await Promise.all([...this.live.values()].map((l) => l.running));
  }

  // ---- client operations -------------------------------------------------------------------

  async start(
    name: string,
    instanceId: string,
    inputJson: string,
    parent?: ParentRef,
  ): Promise<InstanceRecord> {
    const now = new Date(this.core.clock.now());
    const rec: InstanceRecord = {
      instanceId,
      name,
      status: "Pending",
      input: inputJson || "null",
      output: "null",
      customStatus: "null",
      createdTime: now.toISOString(),
      lastUpdatedTime: now.toISOString(),
      historyLength: 0,
      nextSeq: 0,
      leafLog: [],
      parentInstanceId: parent?.id,
      parentSeq: parent?.seq,
      generation: 0,
    };
    const old = this.live.get(instanceId);
    if (old) {
      clearTimers(this.core, old);
      rec.generation = old.rec.generation + 1;
    }
    await this.store.purge(instanceId);
    await this.store.putInstance(rec);
    const l = attach(this.core, rec, []);
    l.inbox.push({ event: ev.executionStarted(name, rec.input, now) });
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
    const now = this.core.clock.now();
    const inboxId = `${now.toString(36)}-${randomUUID()}`;
    const event = { ...ev.eventRaised(eventName, dataJson || "null", new Date(now)), _inboxId: inboxId };
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
      clearTimers(this.core, l);
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

  private pump(l: Live): void {
    if (l.busy || this.stopped) return;
    l.busy = true;
    l.running = (async () => {
      try {
        while (!this.stopped && this.live.get(l.rec.instanceId) === l) {
          if (l.terminateReason !== undefined) {
            const reason = l.terminateReason;
            l.terminateReason = undefined;
            await terminateStep(this.core, l, reason);
            continue;
          }
          if (l.inbox.length === 0 || TERMINAL.has(l.rec.status)) break;
          await step(this.core, l, this.takeBatch(l));
        }
      } catch (e) {
        this.core.log(
          "error",
          `durable: instance ${l.rec.instanceId} step failed: ${(e as Error).stack ?? e}`,
        );
        // Storage trouble: leave the events queued and try again shortly (a real-time retry, not
        // durable time).
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
}

export type { RuntimeStatus };
