/**
 * fanOut on the durable engine with stand-in claw sagas that take a set time: a sliding window
 * (a claw starts as soon as a slot frees, not when the slowest of a wave ends), every claw's
 * outcome once, and bookkeeping that runs beside the sagas.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ActivityHandler, OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import { createHarness, type Harness } from "../../local/host/durable/harness";
import {
  FAN_OUT_MAX_TICK_MS,
  FAN_OUT_RELATIVE_TICK_FLOOR_MS,
  fanOut,
  type ClawOutcome,
} from "../../orchestrations/fan-out";
import { EventType, type HistoryEvent } from "../../local/host/durable/history";
import type { StartClawCommandInput } from "../../core/fleet/start-command";

const DURATION_MS: Record<string, number> = { slow: 2_500, fast1: 50, fast2: 50, fast3: 50, lone: 4_000 };
const marks: string[] = [];
const bookkept: string[] = [];

function* clawSaga(ctx: OrchestrationContext): Generator<Task, unknown, unknown> {
  const { claw } = ctx.df.getInput<{ claw: string }>();
  yield ctx.df.callActivity("mark", `start:${claw}`);
  yield ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + DURATION_MS[claw]));
  yield ctx.df.callActivity("mark", `end:${claw}`);
  return { status: claw === "fast3" ? "failed" : "succeeded", step: "work" };
}

function* parent(ctx: OrchestrationContext): Generator<Task, unknown, unknown> {
  const claws = ctx.df.getInput<string[]>();
  return yield* runClaws(ctx, claws);
}

function* runClaws(ctx: OrchestrationContext, claws: string[]): Generator<Task, ClawOutcome[], unknown> {
  const items = claws.map((claw): StartClawCommandInput => ({
    kind: "park",
    claw,
    requestId: `r-${claw}`,
    channel: "timer",
    principal: "test",
  }));
  const outcomes: ClawOutcome[] = [];
  yield* fanOut(ctx, items, {
    maxParallel: 2,
    stop: () => false,
    onStartTask: (item) => ctx.df.callActivity("bookkeep", item.claw),
    onOutcome: (_item, o) => {
      outcomes.push(o);
      return ctx.df.callActivity("bookkeep", `outcome:${o.claw}`);
    },
  });
  return outcomes;
}

describe("fanOut: sliding window on the durable engine", () => {
  let h: Harness;
  beforeAll(async () => {
    const activities: Record<string, ActivityHandler> = {
      startClawCommand: async (input: unknown) => {
        const { claw } = input as { claw: string };
        return {
          started: true,
          sagaName: "clawSaga",
          instanceId: `claw-${claw}`,
          input: { claw },
          operationId: `op-${claw}`,
        };
      },
      mark: async (what: unknown) => {
        marks.push(String(what));
        return null;
      },
      bookkeep: async (claw: unknown) => {
        bookkept.push(String(claw));
        return null;
      },
    };
    h = await createHarness(
      { parent: parent as OrchestrationHandler, clawSaga: clawSaga as OrchestrationHandler },
      activities,
    );
  });
  afterAll(async () => h?.close());

  it("a slow claw does not hold back the others; every claw ends once; bookkeeping ran for each", async () => {
    const rec = await h.run("parent", ["slow", "fast1", "fast2", "fast3"]);
    expect(rec.status).toBe("Completed");
    const outcomes = JSON.parse(rec.output) as ClawOutcome[];
    expect(outcomes.map((o) => o.claw).sort()).toEqual(["fast1", "fast2", "fast3", "slow"]);
    expect(outcomes.find((o) => o.claw === "fast3")?.status).toBe("failed");
    expect(outcomes.find((o) => o.claw === "slow")?.status).toBe("succeeded");
    // Two slots: fast2 and fast3 ran in the slot fast1 freed while slow still ran (waves of two
    // would have started fast2 only after slow ended).
    const at = (m: string) => marks.indexOf(m);
    expect(at("start:fast2")).toBeGreaterThan(at("end:fast1"));
    expect(at("end:fast3")).toBeLessThan(at("end:slow"));
    // Never more than two sagas at once.
    let running = 0;
    for (const m of marks) {
      running += m.startsWith("start:") ? 1 : -1;
      expect(running).toBeLessThanOrEqual(2);
    }
    expect(bookkept.filter((b) => !b.startsWith("outcome:")).sort()).toEqual([
      "fast1",
      "fast2",
      "fast3",
      "slow",
    ]);
    // Each outcome's record task ran once.
    expect(bookkept.filter((b) => b.startsWith("outcome:")).sort()).toEqual([
      "outcome:fast1",
      "outcome:fast2",
      "outcome:fast3",
      "outcome:slow",
    ]);
  });

  it("a lone long saga: the look-again timer stays under a tenth of its running time (at least 1 s, at most 4 s)", async () => {
    const rec = await h.run("parent", ["lone"]);
    expect(rec.status).toBe("Completed");
    const history: HistoryEvent[] = await h.engine.getHistory(rec.instanceId);
    let episode = 0;
    let sagaStarted: number | undefined;
    const gaps: { at: number; ms: number }[] = [];
    for (const e of history) {
      const at = Date.parse(String(e.Timestamp));
      if (e.EventType === EventType.OrchestratorStarted) episode = at;
      if (e.EventType === EventType.SubOrchestrationInstanceCreated) sagaStarted ??= episode;
      if (e.EventType === EventType.TimerCreated && sagaStarted !== undefined) {
        gaps.push({ at: episode - sagaStarted, ms: Date.parse(String(e.FireAt)) - episode });
      }
    }
    expect(gaps.length).toBeGreaterThan(3);
    for (const g of gaps) {
      expect(g.ms).toBeLessThanOrEqual(
        Math.min(FAN_OUT_MAX_TICK_MS, Math.max(FAN_OUT_RELATIVE_TICK_FLOOR_MS, g.at / 10)) + 1,
      );
    }
    // It grew while nothing ended (0.15 s, 0.225 s, ...), up to the 1 s floor of the relative cap.
    expect(gaps[1].ms).toBeGreaterThan(gaps[0].ms);
    expect(Math.max(...gaps.map((g) => g.ms))).toBeGreaterThanOrEqual(FAN_OUT_RELATIVE_TICK_FLOOR_MS - 1);
  });
});
