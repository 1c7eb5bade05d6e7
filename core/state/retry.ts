import { setTimeout as sleep } from "node:timers/promises";
import { ClawError } from "../errors";

export interface UpdateRetryOptions {
  /** How many read-modify-write rounds before giving up with CONFLICT. */
  attempts?: number;
  /** Base delay between rounds; jittered so racing writers spread out. */
  delayMs?: number;
}

/**
 * Optimistic read-modify-write: read the row, let `change` compute the next value, write it with
 * the ETag that was read; on a stale ETag (CONFLICT) read again and repeat. `change` returns
 * undefined to leave the row as it is, and may throw (e.g. CLAW_BUSY) to abort.
 */
export async function updateWithRetry<T>(
  read: () => Promise<T>,
  change: (current: T) => T | undefined | Promise<T | undefined>,
  write: (next: T) => Promise<T>,
  { attempts = 8, delayMs = 15 }: UpdateRetryOptions = {},
): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    const current = await read();
    const next = await change(current);
    if (next === undefined) return current;
    try {
      return await write(next);
    } catch (e) {
      if (!(e instanceof ClawError && e.code === "CONFLICT" && e.retryable)) throw e;
      last = e;
      await sleep(delayMs * (1 + i) * (0.5 + Math.random()));
    }
  }
  throw new ClawError(
    "CONFLICT",
    `gave up after ${attempts} concurrent updates: ${(last as Error).message}`,
    {
      retryable: true,
    },
  );
}
