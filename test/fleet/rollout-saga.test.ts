/**
 * rolloutFleet with stand-in activities and a stand-in upgradeClaw (level 2): the real saga runs
 * through the SDK's replay on the dev host engine; each claw's upgrade outcome is scripted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ActivityHandler, OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { createHarness, type Harness } from "../../local/host/durable/harness";
import { rolloutInstanceId } from "../../core/sagas";
import { rolloutFleet, type RolloutRun } from "../../orchestrations/rollout-fleet";

interface Rollout {
  run: RolloutRun;
  /** claw → upgrade outcome ("ok", "fail", "busy", "slow" = ok after a delay) */
  script: Record<string, string>;
  started: string[];
  records: Array<Record<string, unknown>>;
  finished?: {
    status: string;
    reason: string;
    digest: { done: unknown[]; skipped: unknown[]; failed: unknown[] };
  };
  notes: unknown[];
}

const rollouts = new Map<string, Rollout>();
const byClaw = new Map<string, Rollout>();
const rolloutOf = (i: unknown) => rollouts.get((i as { rolloutId: string }).rolloutId)!;

const activities: Record<string, ActivityHandler> = {
  planRolloutRun: async (i) => rolloutOf(i).run,
  recordRollout: async (i) => {
    rolloutOf(i).records.push(i as Record<string, unknown>);
    return null;
  },
  finishRollout: async (i) => {
    rolloutOf(i).finished = i as Rollout["finished"];
    return null;
  },
  notifyFleet: async (i) => {
    rolloutOf(i).notes.push(i);
    return null;
  },
  startClawCommand: async (i) => {
    const { claw, requestId } = i as { claw: string; requestId: string };
    const r = byClaw.get(claw)!;
    if (r.script[claw] === "busy")
      return { started: false, code: "CLAW_BUSY", reason: `claw '${claw}' is busy` };
    r.started.push(claw);
    return {
      started: true,
      sagaName: "upgradeClaw",
      instanceId: `claw-${claw}`,
      operationId: `op-${claw}`,
      input: { operationId: `op-${claw}`, claw, requestId, channel: "http", principal: "t", params: {} },
    };
  },
  finishOperation: async () => null,
  delay: async (i) => {
    await new Promise((r) => setTimeout(r, (i as { ms: number }).ms));
    return null;
  },
};

/** Stand-in upgradeClaw: its outcome comes from the rollout's script. */
function* upgradeClaw(ctx: OrchestrationContext): Generator<unknown, unknown, unknown> {
  const input = ctx.df.getInput<{ claw: string }>();
  const outcome = byClaw.get(input.claw)!.script[input.claw] ?? "ok";
  if (outcome === "slow") yield ctx.df.callActivity("delay", { ms: 400 });
  if (outcome === "fail") {
    return {
      status: "compensated",
      step: "verify",
      error: { code: "VERIFY_FAILED", message: "gateway down" },
    };
  }
  return { status: "succeeded" };
}

let n = 0;
function rollout(
  run: Partial<RolloutRun> & Pick<RolloutRun, "canary" | "batches">,
  script: Record<string, string> = {},
) {
  const id = `r${++n}`;
  const r: Rollout = {
    run: {
      version: "2.0.0",
      excluded: [],
      soakMinutes: 0,
      maxUnhealthy: 0,
      approval: false,
      approvalTimeoutMinutes: 60,
      ...run,
    },
    script,
    started: [],
    records: [],
    notes: [],
  };
  // Claw names are unique per rollout: prefix them.
  const rename = (c: string) => `${id}-${c}`;
  r.run.canary = r.run.canary.map(rename);
  r.run.batches = r.run.batches.map((b) => b.map(rename));
  r.script = Object.fromEntries(Object.entries(script).map(([k, v]) => [rename(k), v]));
  for (const c of [...r.run.canary, ...r.run.batches.flat()]) byClaw.set(c, r);
  rollouts.set(id, r);
  return { id, r, name: rename };
}

const input = (id: string) => ({ rolloutId: id, channel: "http", principal: "test" });

describe("rolloutFleet with stand-in activities", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ rolloutFleet, upgradeClaw: upgradeClaw as OrchestrationHandler }, activities);
  });
  afterAll(async () => h?.close());

  const start = async (id: string) => {
    await h.engine.start("rolloutFleet", rolloutInstanceId(id), JSON.stringify(input(id)));
    return rolloutInstanceId(id);
  };
  const control = (id: string, action: string) =>
    h.engine.raiseEvent(
      rolloutInstanceId(id),
      "control",
      JSON.stringify({ action, by: "http:test", at: new Date().toISOString() }),
    );
  const untilRecorded = async (r: Rollout, pred: (rec: Record<string, unknown>) => boolean) => {
    for (let i = 0; i < 500 && !r.records.some(pred); i++) await new Promise((res) => setTimeout(res, 20));
    expect(r.records.some(pred)).toBe(true);
  };

  it("rollout: upgrades canary then batches and ends completed with a digest", async () => {
    const { id, r } = rollout({ canary: ["a"], batches: [["b", "c"], ["d"]] });
    const inst = await start(id);
    await h.waitFor(inst);
    // Each claw's saga is scheduled exactly once (no task is ever re-grouped into a second compound).
    const created = (await h.engine.getHistory(inst)).filter((e) => e.EventType === 7);
    expect(created).toHaveLength(4);
    expect(r.started).toEqual([`${id}-a`, `${id}-b`, `${id}-c`, `${id}-d`]);
    expect(r.finished?.status).toBe("completed");
    expect(r.finished?.digest.done).toHaveLength(4);
  });

  it("rollout: a failing canary halts and leaves every other claw untouched", async () => {
    const { id, r, name } = rollout({ canary: ["a"], batches: [["b", "c"]], maxUnhealthy: 5 }, { a: "fail" });
    await h.waitFor(await start(id));
    expect(r.started).toEqual([name("a")]);
    expect(r.finished?.status).toBe("halted");
    expect(r.finished?.reason).toContain(`canary ${name("a")} failed`);
    expect(r.finished?.digest.skipped.map((s) => (s as { claw: string }).claw)).toEqual([
      name("b"),
      name("c"),
    ]);
  });

  it("rollout: maxUnhealthy reached mid-batch halts; claws not yet started stay untouched", async () => {
    const { id, r, name } = rollout(
      { canary: [], batches: [["a", "b", "c", "d"], ["e"]], maxUnhealthy: 1, maxParallel: 1 },
      { a: "fail", b: "fail" },
    );
    await h.waitFor(await start(id));
    expect(r.started).toEqual([name("a"), name("b")]);
    expect(r.finished?.status).toBe("halted");
    expect(r.finished?.digest.failed).toHaveLength(2);
    expect(r.finished?.digest.skipped.map((s) => (s as { claw: string }).claw)).toEqual([
      name("c"),
      name("d"),
      name("e"),
    ]);
  });

  it("rollout: a busy claw is skipped, not counted as unhealthy", async () => {
    const { id, r, name } = rollout({ canary: [], batches: [["a", "b"]] }, { a: "busy" });
    await h.waitFor(await start(id));
    expect(r.finished?.status).toBe("completed");
    expect(r.finished?.digest.skipped).toEqual([
      { claw: name("a"), reason: `CLAW_BUSY: claw '${name("a")}' is busy` },
    ]);
  });

  it("rollout: waits for approval after the canary and continues once approved", async () => {
    const { id, r, name } = rollout({ canary: ["a"], batches: [["b"]], approval: true });
    const inst = await start(id);
    await untilRecorded(r, (x) => x.status === "awaiting-approval");
    expect(r.started).toEqual([name("a")]);
    for (let i = 0; i < 200 && r.notes.length === 0; i++) await new Promise((res) => setTimeout(res, 20));
    expect(r.notes).toMatchObject([{ kind: "rollout-approval", canary: [name("a")] }]);
    await control(id, "approve");
    await h.waitFor(inst);
    expect(r.started).toEqual([name("a"), name("b")]);
    expect(r.finished?.status).toBe("completed");
  });

  it("rollout: an approval that does not come in time cancels the rest", async () => {
    const { id, r, name } = rollout({
      canary: ["a"],
      batches: [["b"]],
      approval: true,
      approvalTimeoutMinutes: 0.01,
    });
    await h.waitFor(await start(id));
    expect(r.finished?.status).toBe("timed-out");
    expect(r.started).toEqual([name("a")]);
  });

  it("rollout: a rejection ends it and upgrades nothing more", async () => {
    const { id, r } = rollout({ canary: ["a"], batches: [["b"]], approval: true });
    const inst = await start(id);
    await untilRecorded(r, (x) => x.status === "awaiting-approval");
    await control(id, "reject");
    await h.waitFor(inst);
    expect(r.finished?.status).toBe("rejected");
    expect(r.started).toHaveLength(1);
  });

  it("rollout: pause holds new upgrades until resume; in-flight ones finish", async () => {
    const { id, r, name } = rollout(
      { canary: [], batches: [["a", "b", "c"]], maxParallel: 1 },
      { a: "slow", b: "slow" },
    );
    const inst = await start(id);
    await untilRecorded(r, (x) => (x.claw as { claw?: string } | undefined)?.claw === name("a"));
    await control(id, "pause");
    await untilRecorded(r, (x) => x.status === "paused");
    await new Promise((res) => setTimeout(res, 600));
    expect(r.started).toEqual([name("a")]);
    expect((await h.engine.getRecord(inst))?.status).toBe("Running");
    await control(id, "resume");
    await h.waitFor(inst);
    expect(r.started).toEqual([name("a"), name("b"), name("c")]);
    expect(r.finished?.status).toBe("completed");
  });

  it("rollout: cancel during a soak ends it; later batches stay untouched", async () => {
    const { id, r, name } = rollout({ canary: ["a"], batches: [["b"], ["c"]], soakMinutes: 60 });
    const inst = await start(id);
    await untilRecorded(r, (x) => String(x.phase ?? "").startsWith("soaking"));
    await control(id, "cancel");
    await h.waitFor(inst);
    expect(r.finished?.status).toBe("cancelled");
    expect(r.started).toEqual([name("a")]);
    expect(r.finished?.digest.skipped.map((s) => (s as { claw: string }).claw)).toEqual([
      name("b"),
      name("c"),
    ]);
  });
});
