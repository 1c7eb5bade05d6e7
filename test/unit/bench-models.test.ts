/** The fleet benchmarks' bound model: jobs through slots, each start taking a token per bucket. */
import { describe, expect, it } from "vitest";
import {
  phaseSizes,
  realisedBound,
  rolloutBound,
  UPGRADE_PATH,
  upgradeMeanMs,
} from "../../bench/models/rollout";
import {
  expectedNoOverheadDrawMs,
  seenThroughRetryAfter,
  tokenWindowBound,
  wakeSeenMeanMs,
  wakeSeenMs,
} from "../../bench/models/token-window";
import type { LatencyDraw } from "../../local/azure/arm/latency";

const ample = { capacity: 1_000, refillPerSecond: 1_000 };

describe("tokenWindowBound", () => {
  it("with tokens to spare, n jobs through k slots take ⌈n/k⌉ durations", () => {
    expect(tokenWindowBound(4, 2, 10_000, [ample])).toBe(20_000);
    expect(tokenWindowBound(5, 2, 10_000, [ample])).toBe(30_000);
  });

  it("an empty bucket holds starts back until it refills", () => {
    // One token, one more per second: starts at 0, 1 s and 2 s; each job lasts 0.5 s.
    expect(tokenWindowBound(3, 3, 500, [{ capacity: 1, refillPerSecond: 1 }])).toBe(2_500);
  });

  it("the tightest of several buckets decides", () => {
    const slow = { capacity: 1, refillPerSecond: 0.5 };
    expect(tokenWindowBound(2, 2, 0, [ample, slow])).toBe(2_000);
  });

  it("drawn durations are taken one per job", () => {
    const ds = [3_000, 1_000, 2_000];
    expect(tokenWindowBound(3, 1, () => ds.shift()!, [ample])).toBe(6_000);
  });
});

describe("seenThroughRetryAfter", () => {
  it("an operation under a second is seen as it is; a longer one no shorter", () => {
    expect(seenThroughRetryAfter(400)).toBe(400);
    expect(seenThroughRetryAfter(2_500)).toBeGreaterThanOrEqual(2_500);
  });
});

describe("rollout bound model", () => {
  const policy = { canary: 1, batchPercent: 20, soakMinutes: 0.05, speed: 20 };

  it("cuts a canary, then batches of ⌈rest × percent⌉", () => {
    expect(phaseSizes(100, policy)).toEqual([1, 20, 20, 20, 20, 19]);
    expect(phaseSizes(20, policy)).toEqual([1, 4, 4, 4, 4, 3]);
    expect(phaseSizes(1, policy)).toEqual([1]);
  });

  it("one phase of upgrades with tokens to spare lasts one upgrade; soaks add between phases", () => {
    const one = upgradeMeanMs(policy.speed);
    const b = rolloutBound([1, 4], policy);
    expect(b.phasesMs).toEqual([one, one]);
    expect(b.soakMs).toBe(3_000);
    expect(b.boundMs).toBe(2 * one + 3_000);
  });

  it("the realised bound takes each phase's slowest claw's drawn path", () => {
    const draw = (kind: string, subject: string, ms: number): LatencyDraw => ({ kind, subject, ms });
    const path = (claw: string, ms: number) =>
      UPGRADE_PATH.map(([, kind], i) => draw(kind, `/vms/${claw}${i % 2 ? "-standby" : ""}`, ms));
    const r = realisedBound([{ claws: ["a", "b"] }], [...path("a", 100), ...path("b", 300)], policy);
    expect(r.missing).toEqual([]);
    expect(r.boundMs).toBe(UPGRADE_PATH.length * 300);
    // A claw with no draws is reported, not silently counted as instant.
    expect(realisedBound([{ claws: ["c"] }], [], policy).missing).toContain("c");
  });
});

describe("wakeSeenMs", () => {
  it("without a boot delay, a wake is its start seen through Retry-After", () => {
    // 1.5 s to go is advertised as Retry-After: 2 s.
    expect(wakeSeenMs(1_500, 0)).toBe(2_000);
  });

  it("a boot that outlasts the Retry-After rounding counts from the start's actual end", () => {
    expect(wakeSeenMs(1_500, 1_000)).toBe(2_500);
    expect(wakeSeenMs(1_500, 200)).toBe(2_000);
  });
});

describe("wakeSeenMeanMs", () => {
  it("fixed durations give their one wake", () => {
    expect(wakeSeenMeanMs([1_500, 1_500], [1_000, 1_000], 4)).toBe(2_500);
  });

  it("is no less than the mean start plus the mean boot", () => {
    const mean = wakeSeenMeanMs([1_000, 3_000], [750, 2_000], 50);
    expect(mean).toBeGreaterThanOrEqual(2_000 + 1_375);
    expect(mean).toBeLessThan(3_000 + 2_000);
  });
});

describe("expectedNoOverheadDrawMs", () => {
  it("constant draws give the token-window bound", () => {
    expect(expectedNoOverheadDrawMs(5, 2, () => 10_000, [ample], 3)).toBe(30_000);
  });

  it("uneven draws end no sooner than their mean through the window", () => {
    const ms = expectedNoOverheadDrawMs(100, 10, (r) => 1_000 + r() * 2_000, [ample], 20);
    expect(ms).toBeGreaterThanOrEqual(10 * 2_000);
  });
});
