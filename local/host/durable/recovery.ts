/**
 * After a restart: every unfinished instance is loaded from its committed history, and the work that
 * history says is outstanding (activities without a result, timers not fired, inbox events not yet
 * replayed) is started again. Activities therefore run at least once; history is appended once.
 */
import { ev, EventType, type HistoryEvent } from "./history";
import { attach, type EngineCore, type Live } from "./instance";
import { retryForTimer, retryFromEvent } from "./retries";
import { armTimer } from "./timers";
import { launch } from "./work";

/** Load every unfinished instance, re-create its outstanding work and start replaying. */
export async function recover(core: EngineCore): Promise<number> {
  const open = await core.store.listInstances({ statuses: ["Pending", "Running", "ContinuedAsNew"] });
  const resumed: Live[] = [];
  for (const row of open) {
    // The meta row in the history partition is the commit point; the Instances row may lag it.
    const committed = await core.store.loadCommitted(row.instanceId);
    const l = attach(core, committed?.rec ?? row, committed?.history ?? []);
    rederiveWork(core, l, await core.store.listInbox(l.rec.instanceId));
    resumed.push(l);
  }
  for (const l of resumed) core.pump(l);
  if (open.length) core.log("info", `durable: resumed ${open.length} unfinished instance(s)`);
  return open.length;
}

/** What the committed history says is still outstanding. */
export function rederiveWork(core: EngineCore, l: Live, inbox: HistoryEvent[]): void {
  const h = l.history;
  if (h.length === 0) {
    l.inbox.push({ event: ev.executionStarted(l.rec.name, l.rec.input, new Date(core.clock.now())) });
  }
  const done = new Set<number>();
  const fired = new Set<number>();
  for (const e of h) {
    if (e.TaskScheduledId !== undefined) done.add(e.TaskScheduledId);
    if (e.EventType === EventType.TimerFired && e.TimerId !== undefined) fired.add(e.TimerId);
  }
  for (const e of h) {
    const scheduled =
      e.EventType === EventType.TaskScheduled || e.EventType === EventType.SubOrchestrationInstanceCreated;
    if (scheduled && !done.has(e.EventId)) {
      launch(core, l, e.EventId, retryFromEvent(e), Boolean(e._retry));
    } else if (e.EventType === EventType.TimerCreated && !fired.has(e.EventId)) {
      const retry = e._retryRoot !== undefined ? retryForTimer(h, e) : undefined;
      // A timer the orchestrator cancelled before the restart may fire; the SDK ignores it.
      armTimer(core, l, e.EventId, new Date(e.FireAt ?? core.clock.now()), {
        retry,
        retryWait: e._retryWait,
      });
    }
  }
  for (const e of inbox) {
    if (h.some((x) => x._inboxId === e._inboxId))
      void core.store.deleteInbox(l.rec.instanceId, [e._inboxId!]);
    else l.inbox.push({ event: e, inboxId: e._inboxId });
  }
}
