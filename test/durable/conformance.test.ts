import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import { createHarness, type Harness } from "../../local/host/durable/harness";

const flaky = new Map<string, number>();
let nondeterministicFlip = 0;
let shortenedRuns = 0;

const orchestrators = {
  sequence: function* (ctx: OrchestrationContext) {
    const a: string = yield ctx.df.callActivity("echo", "A");
    const b: string = yield ctx.df.callActivity("echo", { v: "B" });
    ctx.df.setCustomStatus({ step: "after-b" });
    const c: string = yield ctx.df.callActivity("echo", 3);
    return [a, b, c];
  },
  fanOut: function* (ctx: OrchestrationContext) {
    const n = ctx.df.getInput<number>();
    const tasks = Array.from({ length: n }, (_, i) => ctx.df.callActivity("double", i));
    const results: number[] = yield ctx.df.Task.all(tasks);
    return results.reduce((s, x) => s + x, 0);
  },
  retrying: function* (ctx: OrchestrationContext) {
    const retry = new df.RetryOptions(20, 3);
    const first: string = yield ctx.df.callActivityWithRetry("flaky", retry, {
      key: ctx.df.instanceId,
      failures: 2,
    });
    // After a retried call, new work must get the right sequence numbers.
    const after: string = yield ctx.df.callActivity("echo", "after");
    return [first, after];
  },
  retryExhausted: function* (ctx: OrchestrationContext) {
    try {
      yield ctx.df.callActivityWithRetry("flaky", new df.RetryOptions(10, 2), {
        key: ctx.df.instanceId,
        failures: 5,
      });
      return "unexpected";
    } catch (e) {
      const compensated: string = yield ctx.df.callActivity("echo", "compensated");
      return { caught: (e as Error).message, compensated };
    }
  },
  timer: function* (ctx: OrchestrationContext) {
    const start = ctx.df.currentUtcDateTime.getTime();
    yield ctx.df.createTimer(new Date(start + 150));
    return ctx.df.currentUtcDateTime.getTime() - start >= 150;
  },
  approval: function* (ctx: OrchestrationContext) {
    const timeout = ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + 60_000));
    const approval = ctx.df.waitForExternalEvent("Approve");
    const winner: unknown = yield ctx.df.Task.any([approval, timeout]);
    if (winner === approval) {
      timeout.cancel();
      return { approved: approval.result };
    }
    return "timed out";
  },
  approvalTimeout: function* (ctx: OrchestrationContext) {
    const timeout = ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + 100));
    const approval = ctx.df.waitForExternalEvent("Approve");
    const winner: unknown = yield ctx.df.Task.any([approval, timeout]);
    return winner === timeout ? "timed out" : "approved";
  },
  parent: function* (ctx: OrchestrationContext) {
    const child: number = yield ctx.df.callSubOrchestrator("fanOut", 4);
    let failure = "";
    try {
      yield ctx.df.callSubOrchestrator("failing", null, `${ctx.df.instanceId}-explicit-child`);
    } catch (e) {
      failure = (e as Error).message;
    }
    return { child, failure };
  },
  failing: function* (ctx: OrchestrationContext) {
    yield ctx.df.callActivity("echo", "x");
    throw new Error("child exploded");
  },
  counter: function* (ctx: OrchestrationContext) {
    const n = ctx.df.getInput<number>() ?? 0;
    yield ctx.df.callActivity("echo", n);
    if (n < 3) {
      ctx.df.continueAsNew(n + 1);
      return undefined;
    }
    return `counted to ${n}`;
  },
  nondeterministic: function* (ctx: OrchestrationContext) {
    // Deliberately broken: the activity name depends on process state, not on history.
    nondeterministicFlip++;
    yield ctx.df.callActivity(nondeterministicFlip % 2 === 1 ? "echo" : "double", 1);
    yield ctx.df.callActivity("echo", 2);
    return "should not complete";
  },
  shortened: function* (ctx: OrchestrationContext) {
    // Deliberately broken: the first run schedules two steps; every replay after it finishes after one.
    shortenedRuns++;
    if (shortenedRuns === 1)
      yield ctx.df.Task.all([ctx.df.callActivity("echo", 1), ctx.df.callActivity("echo", 2)]);
    else yield ctx.df.callActivity("echo", 1);
    return "finished early";
  },
};

const activities = {
  echo: async (input: unknown) => input,
  double: async (input: unknown) => (input as number) * 2,
  flaky: async (input: unknown) => {
    const { key, failures } = input as { key: string; failures: number };
    const seen = (flaky.get(key) ?? 0) + 1;
    flaky.set(key, seen);
    if (seen <= failures) throw new Error(`flaky attempt ${seen} failed`);
    return `ok after ${seen}`;
  },
};

describe("durable engine conformance (real Azurite, SDK replay)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(orchestrators, activities);
  });
  afterAll(async () => h?.close());

  it("callActivity: runs a sequence and keeps the SDK's string-input quirk straight", async () => {
    const rec = await h.run("sequence");
    expect(rec.status).toBe("Completed");
    expect(JSON.parse(rec.output)).toEqual(["A", { v: "B" }, 3]);
    expect(JSON.parse(rec.customStatus)).toEqual({ step: "after-b" });
  });

  it("Task.all: fans out and in", async () => {
    const rec = await h.run("fanOut", 50);
    expect(rec.status).toBe("Completed");
    expect(JSON.parse(rec.output)).toBe(2 * ((49 * 50) / 2));
  });

  it("callActivityWithRetry: retries until success, then later calls still line up", async () => {
    const rec = await h.run("retrying");
    expect(rec.status).toBe("Completed");
    expect(JSON.parse(rec.output)).toEqual(["ok after 3", "after"]);
  });

  it("callActivityWithRetry: exhausted retries surface as a catchable error", async () => {
    const rec = await h.run("retryExhausted");
    expect(rec.status).toBe("Completed");
    const out = JSON.parse(rec.output) as { caught: string; compensated: string };
    expect(out.caught).toContain("flaky attempt 2 failed");
    expect(out.compensated).toBe("compensated");
  });

  it("createTimer: fires at its time", async () => {
    const rec = await h.run("timer");
    expect(JSON.parse(rec.output)).toBe(true);
  });

  it("waitForExternalEvent: Task.any resolves with a raised event", async () => {
    const id = `approval-${Date.now()}`;
    await h.engine.start("approval", id, "null");
    await h.waitFor(id, ["Running"]);
    expect(await h.engine.raiseEvent(id, "Approve", JSON.stringify({ by: "ops" }))).toBe(true);
    const rec = await h.waitFor(id);
    expect(JSON.parse(rec.output)).toEqual({ approved: { by: "ops" } });
  });

  it("waitForExternalEvent: Task.any resolves with the timer when nobody answers", async () => {
    const rec = await h.run("approvalTimeout");
    expect(JSON.parse(rec.output)).toBe("timed out");
  });

  it("callSubOrchestrator: returns a child's output and surfaces a child's failure", async () => {
    const rec = await h.run("parent");
    expect(rec.status).toBe("Completed");
    const out = JSON.parse(rec.output) as { child: number; failure: string };
    expect(out.child).toBe(12);
    expect(out.failure).toContain("child exploded");
    const child = await h.engine.getRecord(`${rec.instanceId}-explicit-child`);
    expect(child?.status).toBe("Failed");
  });

  it("continueAsNew: restarts with new input until done", async () => {
    const rec = await h.run("counter", 0);
    expect(rec.status).toBe("Completed");
    expect(JSON.parse(rec.output)).toBe("counted to 3");
    const history = await h.engine.getHistory(rec.instanceId);
    // Only the last generation's history is kept.
    expect(history.filter((e) => e.EventType === 0)).toHaveLength(1);
  });

  it("replay: a non-deterministic orchestrator fails with a message that says why", async () => {
    const rec = await h.run("nondeterministic");
    expect(rec.status).toBe("Failed");
    expect(JSON.parse(rec.output)).toMatch(/Non-deterministic orchestrator 'nondeterministic'.*step 1/);
  });

  it("replay: an orchestrator that now finishes before a recorded step fails as non-deterministic", async () => {
    const rec = await h.run("shortened");
    expect(rec.status).toBe("Failed");
    expect(JSON.parse(rec.output)).toMatch(
      /Non-deterministic orchestrator 'shortened': on replay it finished after 1 step\(s\), but the history recorded step 2, activity 'echo'/,
    );
  });

  it("terminate: stops a waiting instance", async () => {
    const id = `term-${Date.now()}`;
    await h.engine.start("approval", id, "null");
    await h.waitFor(id, ["Running"]);
    expect(await h.engine.terminate(id, "operator said stop")).toBe(true);
    const rec = await h.waitFor(id);
    expect(rec.status).toBe("Terminated");
    expect(await h.engine.raiseEvent(id, "Approve", "{}")).toBe(false);
  });

  it("recover: a restarted engine resumes a waiting instance from storage", async () => {
    const id = `resume-${Date.now()}`;
    await h.engine.start("approval", id, "null");
    await h.waitFor(id, ["Running"]);
    await h.restart();
    expect(await h.engine.raiseEvent(id, "Approve", JSON.stringify("after restart"))).toBe(true);
    const rec = await h.waitFor(id);
    expect(JSON.parse(rec.output)).toEqual({ approved: "after restart" });
  });
});
