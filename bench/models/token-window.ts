/**
 * The bound models the fleet benchmarks judge their makespans by: pure functions of durations,
 * slots and ARM's token buckets, apart from the drivers that run the twin.
 */
import { createLatencyModel } from "../../local/azure/arm/latency";
import type { BucketSpec } from "../../local/azure/arm/throttle";
import { seededRandom } from "../record";

/** The emulator's Retry-After rule (the profile does not change it). */
const retryAfter = createLatencyModel({ profile: "azure" });

/**
 * How long an operation of `ms` lasts for a client that honours Retry-After: the emulator, like
 * ARM, advertises whole seconds (the seconds left, rounded up) and none under a second (then the
 * client's own poll interval, about the time itself).
 */
export function seenThroughRetryAfter(ms: number): number {
  const seconds = retryAfter.pollRetryAfter(ms);
  return seconds === undefined ? ms : Math.max(ms, seconds * 1000);
}

/** Mean of seenThroughRetryAfter over durations uniform in [loMs, hiMs]. */
export function clientSeenMeanMs(loMs: number, hiMs: number, samples = 10_000): number {
  let sum = 0;
  for (let i = 0; i < samples; i++) {
    sum += seenThroughRetryAfter(loMs + ((i + 0.5) / samples) * (hiMs - loMs));
  }
  return sum / samples;
}

/**
 * What an engine with no overhead could expect: the same window and tokens, each park's duration
 * drawn from the profile's range and seen through Retry-After (so slots free at uneven times).
 */
export function expectedNoOverheadMs(
  n: number,
  parallel: number,
  loMs: number,
  hiMs: number,
  buckets: BucketSpec[],
  samples = 200,
): number {
  return expectedNoOverheadDrawMs(
    n,
    parallel,
    (random) => seenThroughRetryAfter(loMs + random() * (hiMs - loMs)),
    buckets,
    samples,
  );
}

/** The same expectation for any job duration `draw` makes from a seeded random source. */
export function expectedNoOverheadDrawMs(
  n: number,
  parallel: number,
  draw: (random: () => number) => number,
  buckets: BucketSpec[],
  samples = 200,
): number {
  const random = seededRandom(6);
  let total = 0;
  for (let i = 0; i < samples; i++) total += tokenWindowBound(n, parallel, () => draw(random), buckets);
  return total / samples;
}

/**
 * How long a wake lasts for the control plane, from the start's POST until the guest can first
 * report a finished boot: the start as seen through Retry-After, and the guest's boot delay after
 * the start actually ended (the boot wait polls the guest over SSH, not ARM, so no Retry-After
 * rounds it). The guest's own scripts (boot.sh, verify.sh) are real work, not in this figure.
 */
export function wakeSeenMs(startMs: number, bootMs: number): number {
  return Math.max(seenThroughRetryAfter(startMs), startMs + bootMs);
}

/** Mean of wakeSeenMs over start and boot durations each uniform in its range (a grid of samples²). */
export function wakeSeenMeanMs(start: [number, number], boot: [number, number], samples = 200): number {
  let sum = 0;
  for (let i = 0; i < samples; i++) {
    const s = start[0] + ((i + 0.5) / samples) * (start[1] - start[0]);
    for (let j = 0; j < samples; j++) {
      sum += wakeSeenMs(s, boot[0] + ((j + 0.5) / samples) * (boot[1] - boot[0]));
    }
  }
  return sum / (samples * samples);
}

/**
 * Earliest makespan of `n` jobs of `durationMs` (or drawn by it, per job) through `parallel`
 * slots, each start taking a token from every bucket.
 */
export function tokenWindowBound(
  n: number,
  parallel: number,
  durationMs: number | (() => number),
  buckets: BucketSpec[],
): number {
  const state = buckets.map((b) => ({ ...b, tokens: b.capacity, at: 0 }));
  const slots: number[] = Array<number>(parallel).fill(0);
  let end = 0;
  for (let i = 0; i < n; i++) {
    slots.sort((a, b) => a - b);
    let t = slots[0];
    for (const b of state) {
      const tokens = Math.min(b.capacity, b.tokens + ((t - b.at) / 1000) * b.refillPerSecond);
      if (tokens < 1) t += ((1 - tokens) / b.refillPerSecond) * 1000;
    }
    for (const b of state) {
      b.tokens = Math.min(b.capacity, b.tokens + ((t - b.at) / 1000) * b.refillPerSecond) - 1;
      b.at = t;
    }
    slots[0] = t + (typeof durationMs === "number" ? durationMs : durationMs());
    end = Math.max(end, slots[0]);
  }
  return end;
}
