/**
 * The emulator's replaceable clock. Operation completion, throttling refill and the latency model
 * all read time from here, so tests can drive a whole VM lifecycle without waiting on wall time.
 */
export interface Clock {
  /** Milliseconds since the epoch, as Date.now(). */
  now(): number;
  /** Runs fn once the clock has advanced by ms; returns a function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

/** Wall-clock time; timers never keep the process alive. */
export function systemClock(): Clock {
  return {
    now: () => Date.now(),
    setTimer(ms, fn) {
      const t = setTimeout(fn, Math.max(0, ms));
      t.unref();
      return () => clearTimeout(t);
    },
  };
}

export interface ManualClock extends Clock {
  /** Moves time forward and runs, in time order, every timer that falls due. */
  advance(ms: number): void;
  set(epochMs: number): void;
}

/** A clock that only moves when told to (tests). */
export function manualClock(startMs = Date.UTC(2026, 0, 1)): ManualClock {
  let now = startMs;
  let seq = 0;
  const timers = new Map<number, { due: number; fn: () => void }>();
  function runDue(): void {
    for (;;) {
      let next: [number, { due: number; fn: () => void }] | undefined;
      for (const entry of timers) {
        if (entry[1].due <= now && (!next || entry[1].due < next[1].due)) next = entry;
      }
      if (!next) return;
      timers.delete(next[0]);
      next[1].fn();
    }
  }
  return {
    now: () => now,
    setTimer(ms, fn) {
      const id = ++seq;
      timers.set(id, { due: now + Math.max(0, ms), fn });
      return () => timers.delete(id);
    },
    advance(ms) {
      now += ms;
      runDue();
    },
    set(epochMs) {
      now = epochMs;
      runDue();
    },
  };
}
