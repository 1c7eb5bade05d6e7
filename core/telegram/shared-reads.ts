/**
 * Status reads shared between updates: when operators (or Telegram redelivering a burst) send many
 * status commands at once, one table query answers them all. A read is reused while in flight and
 * for `ttlMs` after it succeeded (a status up to a second old); a failed read is never reused.
 */
export interface SharedReads {
  get<T>(key: string, read: () => Promise<T>): Promise<T>;
}

export function sharedReads({ ttlMs = 1_000, now = () => Date.now() } = {}): SharedReads {
  const entries = new Map<string, { at: number; value: Promise<unknown> }>();
  return {
    get<T>(key: string, read: () => Promise<T>): Promise<T> {
      const e = entries.get(key);
      if (e && now() - e.at < ttlMs) return e.value as Promise<T>;
      const value = read();
      entries.set(key, { at: now(), value });
      // Time the reuse from the answer, and forget failures at once.
      value.then(
        () => entries.get(key)?.value === value && entries.set(key, { at: now(), value }),
        () => entries.get(key)?.value === value && entries.delete(key),
      );
      return value;
    },
  };
}

const perStore = new WeakMap<object, SharedReads>();

/** The shared reads of one state store (so tests with their own tables never share answers). */
export function readsFor(store: object): SharedReads {
  let r = perStore.get(store);
  if (!r) {
    r = sharedReads();
    perStore.set(store, r);
  }
  return r;
}
