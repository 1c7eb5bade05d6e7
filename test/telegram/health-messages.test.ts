/**
 * The operators' messages of issue 16: a park waiting for a busy agent, a health change, and a
 * finished park that was deferred.
 */
import { describe, expect, it } from "vitest";
import { fleetMessage, operationMessage } from "../../core/telegram/notify-format";
import type { OperationRecord } from "../../core/state";

const now = new Date("2026-12-01T22:10:00Z");

describe("health and deferral messages", () => {
  it("agent-busy: says the park waits, for how long at most, and for which operation", () => {
    const m = fleetMessage(
      {
        kind: "agent-busy",
        claw: "alice",
        action: "park",
        operationId: "op-1",
        maxMinutes: 30,
        detail: "1 session(s) active in the last 2 min",
      },
      now,
    );
    expect(m.text).toBe(
      "⏳ <b>alice</b> is mid-task (1 session(s) active in the last 2 min): the park waits until it is idle, at most 30 min (operation <code>op-1</code>).",
    );
  });

  it("health: names the claws that went failing, with their checks, and the recovered ones", () => {
    const m = fleetMessage(
      {
        kind: "health",
        sweptAt: "2026-12-01T22:07:00Z",
        failing: [{ claw: "bob", failed: ["telegram-connected", "model-provider"] }],
        recovered: ["carol"],
        operationId: "op-2",
      },
      now,
    );
    expect(m.text).toContain("❌ <b>bob</b> is failing: telegram-connected, model-provider");
    expect(m.text).toContain("✅ <b>carol</b> is healthy again");
    expect(m.text).toContain("<code>op-2</code>");
  });

  it("operationMessage: a park that waited says so, and says when the bound cut the task", () => {
    const op = {
      id: "op-3",
      kind: "park",
      claw: "alice",
      channel: "http",
      principal: "http:ops",
      status: "succeeded",
      startedAt: "2026-12-01T21:50:00Z",
      endedAt: "2026-12-01T22:05:00Z",
      steps: [],
      details: { powerState: "deallocated", deferredBySeconds: 840 },
    } as unknown as OperationRecord;
    expect(operationMessage(op, now).text).toContain("⏳ Deferred 14 min until the agent finished its task.");
    const cut = { ...op, details: { deferredBySeconds: 1800, deferBoundReached: true } } as OperationRecord;
    expect(operationMessage(cut, now).text).toContain("then stopped it mid-task");
    const idle = { ...op, details: { deferredBySeconds: 0 } } as OperationRecord;
    expect(operationMessage(idle, now).text).not.toContain("Deferred");
  });
});
