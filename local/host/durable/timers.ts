/**
 * Durable timers and retry waits, armed on the engine's clock. A timer that fires for a run that
 * has since ended, restarted or continued as new is dropped.
 */
import { ev } from "./history";
import { ActionType, type SdkAction } from "./replay";
import { deliver, stillCurrent, type EngineCore, type Live } from "./instance";
import type { RetryState } from "./retries";

export interface ArmOptions {
  /** The chain a framework retry timer belongs to: its firing is replayed alone, with the chain. */
  retry?: RetryState;
  /** A wait before a retry: it lasts `retryWaitScale` of its length (see docs/durable-engine.md). */
  retryWait?: boolean;
}

/** Arm timer `seq` to fire at `fireAt` (at once when that has passed). */
export function armTimer(core: EngineCore, l: Live, seq: number, fireAt: Date, o: ArmOptions = {}): void {
  if (core.stopped()) return;
  const gen = l.rec.generation;
  const fire = (): void => {
    l.timers.delete(seq);
    if (!stillCurrent(core, l, gen)) return;
    const event = ev.timerFired(seq, fireAt.toISOString(), new Date(core.clock.now()));
    deliver(core, l, { event, solo: Boolean(o.retry), retry: o.retry });
  };
  let ms = fireAt.getTime() - core.clock.now();
  if (o.retryWait || o.retry) ms *= core.retryWaitScale;
  if (ms <= 0) return fire();
  l.timers.set(seq, core.clock.setTimer(fire, ms));
}

/** A timer the orchestrator cancelled (e.g. the loser of Task.any) is disarmed. */
export function cancelTimers(core: EngineCore, l: Live, actions: SdkAction[]): void {
  actions.forEach((a, i) => {
    if (a.actionType !== ActionType.CreateTimer || !a.isCanceled || i >= l.rec.leafLog.length) return;
    const seq = Number(l.rec.leafLog[i].split(":")[2]);
    const t = l.timers.get(seq);
    if (t) {
      core.clock.clearTimer(t);
      l.timers.delete(seq);
    }
  });
}
