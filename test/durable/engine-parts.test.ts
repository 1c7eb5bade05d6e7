/**
 * The durable engine's parts alone, without storage: the fake clock, retry bookkeeping, the
 * determinism check and the time a step is stamped with.
 */
import { describe, expect, it } from "vitest";
import { createFakeClock, createRealClock } from "../../local/host/durable/clock";
import { checkDeterminism, leafEntry } from "../../local/host/durable/determinism";
import { ev } from "../../local/host/durable/history";
import { stepTime, type EngineCore, type Live, type Pending } from "../../local/host/durable/instance";
import { ActionType, type SdkAction } from "../../local/host/durable/replay";
import {
  pairRetry,
  retryDelay,
  retryForTimer,
  retryTimerEvent,
  scheduledEvent,
  type RetryPairs,
  type RetryState,
} from "../../local/host/durable/retries";
import type { InstanceRecord } from "../../local/host/durable/store";
import { retryWaitScaleOf } from "../../local/host/durable/index";

const HOUR = 3_600_000;

function record(over: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    instanceId: "i-1",
    name: "saga",
    status: "Running",
    input: "null",
    output: "null",
    customStatus: "null",
    createdTime: "",
    lastUpdatedTime: "",
    historyLength: 0,
    nextSeq: 0,
    leafLog: [],
    generation: 0,
    ...over,
  };
}

const live = (rec: InstanceRecord): Live => ({
  rec,
  history: [],
  inbox: [],
  busy: false,
  timers: new Map(),
  idle: [],
});

describe("fake clock", () => {
  it("advance: fires the timers that fall due, in order, at their own time", async () => {
    const clock = createFakeClock({ start: 0 });
    const fired: Array<[string, number]> = [];
    clock.setTimer(() => fired.push(["b", clock.now()]), 2 * HOUR);
    clock.setTimer(() => fired.push(["a", clock.now()]), HOUR);
    clock.setTimer(() => fired.push(["c", clock.now()]), 30 * HOUR);
    await clock.advance(24 * HOUR);
    expect(fired).toEqual([
      ["a", HOUR],
      ["b", 2 * HOUR],
    ]);
    expect(clock.now()).toBe(24 * HOUR);
    expect(clock.pending()).toBe(1);
  });

  it("clearTimer: a cleared timer never fires", async () => {
    const clock = createFakeClock({ start: 0 });
    let fired = false;
    const t = clock.setTimer(() => (fired = true), 10);
    clock.clearTimer(t);
    await clock.advance(100);
    expect(fired).toBe(false);
    expect(clock.pending()).toBe(0);
  });

  it("auto: an hour's timer fires on the next turn and time jumps by the hour", async () => {
    const clock = createFakeClock({ start: 0, auto: true });
    const at = await new Promise<number>((resolve) => clock.setTimer(() => resolve(clock.now()), HOUR));
    expect(at).toBe(HOUR);
  });

  it("real clock: a timer fires, and a cleared one does not", async () => {
    const clock = createRealClock();
    let cleared = false;
    clock.clearTimer(clock.setTimer(() => (cleared = true), 1));
    await new Promise<void>((resolve) => clock.setTimer(resolve, 5));
    expect(cleared).toBe(false);
  });
});

describe("retries", () => {
  const opts = { firstRetryIntervalInMilliseconds: HOUR, maxNumberOfAttempts: 3, backoffCoefficient: 2 };
  const chain: RetryState = {
    kind: "activity",
    root: 0,
    attempt: 1,
    options: opts,
    name: "flaky",
    input: 1,
    inputJson: "1",
  };

  it("retryDelay: grows by the coefficient and stops at the cap", () => {
    expect([1, 2, 3].map((n) => retryDelay(opts, n))).toEqual([HOUR, 2 * HOUR, 4 * HOUR]);
    expect(retryDelay({ ...opts, maxRetryIntervalInMilliseconds: 90 * 60_000 }, 3)).toBe(90 * 60_000);
  });

  it("pairRetry: a failure takes the next sequence number for its timer; the timer's firing takes one for the re-attempt", () => {
    const rec = record({ nextSeq: 1 });
    const pairs: RetryPairs = {};
    const failed: Pending = {
      event: ev.taskFailed(0, { ErrorType: "E", ErrorMessage: "x" }, new Date(0)),
      retry: chain,
    };
    pairRetry(failed, rec, pairs);
    expect(pairs.timer).toMatchObject({ seq: 1, final: false });
    pairRetry({ event: ev.timerFired(1, "", new Date(0)), retry: chain }, rec, pairs);
    expect(pairs.reattempt).toMatchObject({ seq: 2, retry: { attempt: 2 } });
    expect(rec.nextSeq).toBe(3);
  });

  it("pairRetry: after the last attempt the timer is immediate and no re-attempt follows", () => {
    const rec = record({ nextSeq: 5 });
    const pairs: RetryPairs = {};
    const last = { ...chain, attempt: 3 };
    pairRetry(
      { event: ev.taskFailed(4, { ErrorType: "E", ErrorMessage: "x" }, new Date(0)), retry: last },
      rec,
      pairs,
    );
    const timer = retryTimerEvent(pairs.timer!, new Date(0));
    expect(timer.FireAt).toBe(new Date(0).toISOString());
    pairRetry({ event: ev.timerFired(5, "", new Date(0)), retry: last }, rec, pairs);
    expect(pairs.reattempt).toBeUndefined();
  });

  it("retryForTimer: a restarted host finds the chain of a retry timer in history", () => {
    const l = live(record());
    const first = scheduledEvent(l, 0, chain, new Date(0));
    const timer = retryTimerEvent({ seq: 1, retry: chain, final: false }, new Date(0));
    expect(timer.FireAt).toBe(new Date(HOUR).toISOString());
    expect(retryForTimer([first, timer], timer)).toMatchObject({
      name: "flaky",
      root: 0,
      attempt: 1,
      options: opts,
    });
  });
});

describe("determinism", () => {
  const activity = (name: string): SdkAction => ({ actionType: ActionType.CallActivity, functionName: name });
  const timer: SdkAction = { actionType: ActionType.CreateTimer, fireAt: new Date(0) };

  it("checkDeterminism: the same steps in the same order pass", () => {
    const rec = record({ leafLog: [leafEntry(activity("a"), 0), leafEntry(timer, 1)] });
    expect(checkDeterminism(rec, [activity("a"), timer, activity("b")], false)).toBeUndefined();
  });

  it("checkDeterminism: a step that changed is refused, naming both and how to version", () => {
    const rec = record({ leafLog: [leafEntry(activity("a"), 0), leafEntry(timer, 1)] });
    const f = checkDeterminism(rec, [activity("a"), activity("b")], false);
    expect(f?.ErrorType).toBe("NonDeterministicOrchestrationError");
    expect(f?.ErrorMessage).toContain("step 2 scheduled activity 'b' but the history recorded timer");
    expect(f?.ErrorMessage).toContain("docs/versioning.md");
  });

  it("checkDeterminism: finishing before a recorded step is refused too", () => {
    const rec = record({ leafLog: [leafEntry(activity("a"), 0), leafEntry(activity("b"), 1)] });
    expect(checkDeterminism(rec, [activity("a")], true)?.ErrorMessage).toContain(
      "finished after 1 step(s), but the history recorded step 2, activity 'b'",
    );
    expect(checkDeterminism(rec, [activity("a")], false)).toBeUndefined();
  });
});

describe("step time", () => {
  it("stepTime: follows the clock, but never goes back before the instance's last event", () => {
    const clock = createFakeClock({ start: 10 * HOUR });
    const core = { clock } as unknown as EngineCore;
    const l = live(record());
    expect(stepTime(core, l).getTime()).toBe(10 * HOUR);
    l.history.push(ev.orchestratorStarted(new Date(12 * HOUR)));
    expect(stepTime(core, l).getTime()).toBe(12 * HOUR);
  });
});

describe("dev host setting", () => {
  it("DURABLE_RETRY_WAIT_SCALE: read from the environment alone too, settings first, 1 when unset", () => {
    const name = "DURABLE_RETRY_WAIT_SCALE";
    expect(retryWaitScaleOf({}, {})).toBe(1);
    expect(retryWaitScaleOf({}, { [name]: "0.01" })).toBe(0.01);
    expect(retryWaitScaleOf({ [name]: "0.5" }, { [name]: "0.01" })).toBe(0.5);
  });

  it("DURABLE_RETRY_WAIT_SCALE: a value outside 0..1 is refused, naming the setting", () => {
    expect(() => retryWaitScaleOf({ DURABLE_RETRY_WAIT_SCALE: "2" }, {})).toThrow(
      /DURABLE_RETRY_WAIT_SCALE must be a number from 0 to 1/,
    );
  });
});
