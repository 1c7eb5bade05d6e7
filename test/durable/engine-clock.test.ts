/**
 * The durable engine on a fake clock (real Azurite, orchestrators through the SDK's replay): time
 * is skipped, never waited out, and ctx.df.currentUtcDateTime reads the skipped time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import { startAzurite, type AzuriteHandle } from "../../local/host/azurite";
import { createFakeClock, type FakeClock } from "../../local/host/durable/clock";
import { createHarness, type Harness } from "../../local/host/durable/harness";
import { EventType, type HistoryEvent } from "../../local/host/durable/history";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 5, 1, 8, 0, 0);

let azurite: AzuriteHandle;
const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);

beforeAll(async () => {
  azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
});
afterAll(async () => {
  await azurite?.close();
});

/** Wait (in real time) until `cond` holds. */
async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const stamps = (history: HistoryEvent[]) =>
  history.filter((e) => e.EventType === EventType.OrchestratorStarted).map((e) => Date.parse(e.Timestamp));

const flakyTwice = async (input: { key: string }) => {
  if (count(input.key) <= 2) throw new Error(`attempt ${calls[input.key]} failed`);
  return "ok";
};

describe("engine on a fake clock that skips time", () => {
  let h: Harness;
  const clock = createFakeClock({ start: START, auto: true });
  beforeAll(async () => {
    h = await createHarness(
      {
        hourlyRetry: function* (ctx: OrchestrationContext) {
          const retry = new df.RetryOptions(HOUR, 3);
          const result: string = yield ctx.df.callActivityWithRetry("flakyTwice", retry, {
            key: ctx.df.instanceId,
          });
          return { result, at: ctx.df.currentUtcDateTime.getTime() };
        },
      },
      { flakyTwice },
      { azurite, clock },
    );
  });
  afterAll(() => h?.close());

  it("callActivityWithRetry: a 1-hour backoff completes without waiting, and the saga sees the hours pass", async () => {
    const rec = await h.run("hourlyRetry", undefined, "hourly-1");
    expect(rec.status).toBe("Completed");
    const out = JSON.parse(rec.output) as { result: string; at: number };
    expect(out.result).toBe("ok");
    expect(calls["hourly-1"]).toBe(3);
    // Two backoffs of an hour each (coefficient 1): the saga's clock moved at least two hours.
    expect(out.at - START).toBeGreaterThanOrEqual(2 * HOUR);
    const history = await h.engine.getHistory("hourly-1");
    const timers = history.filter((e) => e.EventType === EventType.TimerCreated);
    expect(timers.map((t) => Date.parse(t.FireAt!) - Date.parse(t.Timestamp))).toEqual([HOUR, HOUR]);
    const t = stamps(history);
    expect(t.every((x, i) => i === 0 || x >= t[i - 1])).toBe(true);
  });
});

describe("engine on a fake clock moved by hand", () => {
  const clock: FakeClock = createFakeClock({ start: START });
  const hubName = `Clock${Math.random().toString(36).slice(2, 8)}`;
  const tomorrow = function* (ctx: OrchestrationContext) {
    yield ctx.df.callActivity("before", ctx.df.instanceId);
    yield ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + DAY));
    yield ctx.df.callActivity("after", ctx.df.instanceId);
    return ctx.df.currentUtcDateTime.getTime();
  };
  const activities = {
    before: async (id: string) => count(`before:${id}`),
    after: async (id: string) => count(`after:${id}`),
  };
  let h: Harness;

  afterAll(() => h?.close());

  it("createTimer: a timer for tomorrow fires when the clock reaches tomorrow, not before", async () => {
    h = await createHarness({ tomorrow }, activities, { azurite, clock, hubName });
    await h.engine.start("tomorrow", "t-1", "null");
    await until(() => clock.pending() === 1, "the timer to be armed");
    await clock.advance(DAY - 60_000);
    await new Promise((r) => setTimeout(r, 100));
    expect((await h.engine.getRecord("t-1"))?.status).toBe("Running");
    await clock.advance(60_000);
    const rec = await h.waitFor("t-1");
    expect(rec.status).toBe("Completed");
    expect(Number(rec.output)).toBeGreaterThanOrEqual(START + DAY);
  });

  it("recover: a restarted host re-arms the timer and finishes the instance, each activity once", async () => {
    await h.engine.start("tomorrow", "t-2", "null");
    await until(() => clock.pending() === 1, "the timer to be armed");
    await h.restart();
    expect(h.logs.some((l) => l.includes("resumed 1 unfinished instance(s)"))).toBe(true);
    expect(clock.pending()).toBe(1);
    await clock.advance(DAY);
    expect((await h.waitFor("t-2")).status).toBe("Completed");
    expect([calls["before:t-2"], calls["after:t-2"]]).toEqual([1, 1]);
  });

  it("replay: an orchestrator changed while an instance waits is refused loudly as non-deterministic", async () => {
    await h.engine.start("tomorrow", "t-3", "null");
    await until(() => clock.pending() === 1, "the timer to be armed");
    await h.close();
    // The same name, now calling another activity first: a breaking change made in place.
    const changed = function* (ctx: OrchestrationContext) {
      yield ctx.df.callActivity("after", ctx.df.instanceId);
      yield ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + DAY));
    };
    h = await createHarness({ tomorrow: changed }, activities, { azurite, clock, hubName });
    await clock.advance(DAY);
    const rec = await h.waitFor("t-3");
    expect(rec.status).toBe("Failed");
    expect(rec.output).toContain("Non-deterministic orchestrator 'tomorrow'");
    expect(rec.output).toContain(
      "step 1 scheduled activity 'after' but the history recorded activity 'before'",
    );
    expect(
      h.logs.some((l) => l.startsWith("error") && l.includes("NonDeterministicOrchestrationError")),
    ).toBe(true);
    expect(calls["after:t-3"]).toBeUndefined();
  });
});

describe("engine: retry waits shrink, other timers keep their length", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(
      {
        // As orchestrations/activity-calls.ts retries a RetryProfile: catch, wait on a timer, call again.
        profileRetry: function* (ctx: OrchestrationContext) {
          for (let attempt = 1; ; attempt++) {
            try {
              return (yield ctx.df.callActivity("flakyTwice", { key: ctx.df.instanceId })) as string;
            } catch (e) {
              if (attempt >= 3) throw e;
              yield ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + HOUR));
            }
          }
        },
        frameworkRetry: function* (ctx: OrchestrationContext) {
          return (yield ctx.df.callActivityWithRetry("flakyTwice", new df.RetryOptions(HOUR, 3), {
            key: ctx.df.instanceId,
          })) as string;
        },
        pollWait: function* (ctx: OrchestrationContext) {
          yield ctx.df.callActivity("before", ctx.df.instanceId);
          yield ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + HOUR));
          return "woke";
        },
      },
      { flakyTwice, before: async (id: string) => count(`before:${id}`) },
      { azurite, retryWaitScale: 0 },
    );
  });
  afterAll(() => h?.close());

  it("retryWaitScale: an orchestrator's wait after a failed activity is a retry wait and is skipped", async () => {
    const rec = await h.run("profileRetry", undefined, "profile-1");
    expect(rec.status).toBe("Completed");
    expect(calls["profile-1"]).toBe(3);
    const timers = (await h.engine.getHistory("profile-1")).filter(
      (e) => e.EventType === EventType.TimerCreated,
    );
    expect(timers.map((t) => t._retryWait)).toEqual([true, true]);
    // The history keeps the interval the orchestrator asked for.
    expect(timers.map((t) => Date.parse(t.FireAt!) - Date.parse(t.Timestamp))).toEqual([HOUR, HOUR]);
  });

  it("retryWaitScale: framework retry backoffs are skipped", async () => {
    expect((await h.run("frameworkRetry", undefined, "framework-1")).status).toBe("Completed");
    expect(calls["framework-1"]).toBe(3);
  });

  it("retryWaitScale: a timer after a success is no retry wait and keeps its hour", async () => {
    await h.engine.start("pollWait", "poll-1", "null");
    await until(
      async () => (await h.engine.getHistory("poll-1")).some((e) => e.EventType === EventType.TimerCreated),
      "the timer",
    );
    await new Promise((r) => setTimeout(r, 300));
    expect((await h.engine.getRecord("poll-1"))?.status).toBe("Running");
    const timer = (await h.engine.getHistory("poll-1")).find((e) => e.EventType === EventType.TimerCreated);
    expect(timer?._retryWait).toBeUndefined();
    await h.engine.terminate("poll-1", "test over");
  });
});
