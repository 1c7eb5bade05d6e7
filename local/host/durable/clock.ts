/**
 * The engine's clock: the time it stamps on history events and the timers behind durable timers and
 * retry waits. Production and the twin use the real one; tests pass a fake one and skip time
 * instead of waiting it out.
 */
export type TimerHandle = { readonly id: number };

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Call `fire` once, `ms` from now. */
  setTimer(fire: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** setTimeout's ceiling (about 24.8 days); longer waits are chained. */
const MAX_TIMEOUT = 2_147_000_000;

/** The wall clock and Node's timers. */
export function createRealClock(): Clock {
  const timers = new Map<number, NodeJS.Timeout>();
  let next = 0;
  return {
    now: () => Date.now(),
    setTimer(fire, ms) {
      const handle = { id: ++next };
      const due = Date.now() + ms;
      const wait = (): void => {
        const left = due - Date.now();
        if (left <= 0) {
          timers.delete(handle.id);
          fire();
          return;
        }
        timers.set(handle.id, setTimeout(wait, Math.min(left, MAX_TIMEOUT)));
      };
      timers.set(handle.id, setTimeout(wait, Math.min(Math.max(0, ms), MAX_TIMEOUT)));
      return handle;
    },
    clearTimer(handle) {
      clearTimeout(timers.get(handle.id));
      timers.delete(handle.id);
    },
  };
}

export interface FakeClock extends Clock {
  /** Move virtual time forward by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): Promise<void>;
  /** Timers armed and not yet fired. */
  pending(): number;
}

/**
 * Virtual time for tests. With `auto`, every armed timer fires at once and time jumps to its due
 * moment, so a one-hour retry wait costs nothing and the history still reads an hour later.
 */
export function createFakeClock(o: { start?: number; auto?: boolean } = {}): FakeClock {
  let now = o.start ?? Date.UTC(2026, 0, 1);
  let next = 0;
  let skipping = false;
  const timers = new Map<number, { due: number; fire: () => void }>();

  const earliest = (limit: number): [number, { due: number; fire: () => void }] | undefined => {
    let best: [number, { due: number; fire: () => void }] | undefined;
    for (const entry of timers)
      if (entry[1].due <= limit && (!best || entry[1].due < best[1].due)) best = entry;
    return best;
  };
  const fireOne = (limit: number): boolean => {
    const found = earliest(limit);
    if (!found) return false;
    timers.delete(found[0]);
    now = Math.max(now, found[1].due);
    found[1].fire();
    return true;
  };
  // Auto mode: fire on a later turn, so the code that armed the timer finishes first.
  const skip = (): void => {
    if (skipping) return;
    skipping = true;
    setImmediate(() => {
      skipping = false;
      if (fireOne(Number.POSITIVE_INFINITY) && timers.size) skip();
    });
  };

  return {
    now: () => now,
    setTimer(fire, ms) {
      const handle = { id: ++next };
      timers.set(handle.id, { due: now + Math.max(0, ms), fire });
      if (o.auto) skip();
      return handle;
    },
    clearTimer(handle) {
      timers.delete(handle.id);
    },
    async advance(ms) {
      const target = now + ms;
      while (fireOne(target)) await new Promise((r) => setImmediate(r));
      now = Math.max(now, target);
    },
    pending: () => timers.size,
  };
}
