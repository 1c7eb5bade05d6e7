/**
 * What every emulated service is handed: state, time, async operations and the simulated guests.
 */
import type { Clock } from "./clock";
import type { LatencyModel } from "./arm/latency";
import type { Operations } from "./operations";
import type { Store } from "./store";
import type { Guests } from "./guests";

export interface EmulatorContext {
  store: Store;
  clock: Clock;
  ops: Operations;
  latency: LatencyModel;
  guests: Guests;
  /** Where disk and snapshot contents live (one directory per disk's uniqueId). */
  diskRoot: string;
  /** Reports errors raised in background work (never bodies or secrets). */
  log: (message: string) => void;
  /** Resources with a mutating request being handled right now (lower-cased ids). */
  busy: Set<string>;
}
