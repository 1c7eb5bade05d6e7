/**
 * Log fields: the trigger wrapper and the activity wrapper open a scope, a saga start adds its
 * operation id, and every line written meanwhile (through the InvocationContext or logLine) ends
 * with ` op=… claw=…`, token-shaped values masked. Telemetry is off here (no exporter): the fields
 * do not depend on it.
 */
import { InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { clawOfMessage, traced } from "../../functions/traced";
import {
  countByPowerState,
  logFields,
  logLine,
  traceActivity,
  traceSagaStart,
  withLogFields,
} from "../../core/telemetry";

function contextWithLines(): { context: InvocationContext; lines: string[] } {
  const lines: string[] = [];
  const context = new InvocationContext({
    invocationId: "inv-1",
    functionName: "clawCommands",
    logHandler: (_level, ...args) => lines.push(args.map(String).join(" ")),
  });
  return { context, lines };
}

describe("telemetry: log lines carry the operation id and claw name", () => {
  it("queue trigger: lines after the saga start carry its operation id and the message's claw", async () => {
    const { context, lines } = contextWithLines();
    const handler = traced(
      "queue",
      "clawCommands",
      async (_m: unknown, ctx: InvocationContext) => {
        ctx.info("received");
        await traceSagaStart("verifyClaw", "op-123", { "openclawps.claw": "alice" }, async () => "id");
        ctx.warn("started");
      },
      { claw: clawOfMessage },
    );
    await handler(JSON.stringify({ kind: "verify", claw: "alice", requestId: "r" }), context);
    expect(lines).toEqual(["received claw=alice", "started op=op-123 claw=alice"]);
  });

  it("trigger: a claimed claw that is no claw name stays out of the fields", async () => {
    expect(clawOfMessage('{"claw":"Not A Name; sk-ant-xxxxxxxxxxxxxxxxxxxx"}')).toBeUndefined();
    expect(clawOfMessage("not json")).toBeUndefined();
    expect(clawOfMessage({ claw: "bob" })).toBe("bob");
  });

  it("activity: the scope comes from its input; lines through logLine carry it", async () => {
    const out: string[] = [];
    await traceActivity("loadClaw", { op: "op-9", claw: "carol" }, async () => {
      expect(logFields()).toMatchObject({ operationId: "op-9", claw: "carol", activity: "loadClaw" });
      logLine("info", "[activities] loaded", (_l, text) => out.push(text));
    });
    expect(out).toEqual(["[activities] loaded op=op-9 claw=carol"]);
    expect(logFields()).toEqual({});
  });

  it("logLine: token-shaped values are masked before a line leaves", () => {
    const out: string[] = [];
    withLogFields({ operationId: "op-1" }, () =>
      logLine("warn", "bad key sk-ant-api03-abcdefghijklmnopqrstuvwxyz in reply", (_l, t) => out.push(t)),
    );
    expect(out[0]).not.toContain("abcdefghijklmnop");
    expect(out[0]).toMatch(/\[REDACTED\].* op=op-1$/);
  });

  it("scopes: an inner scope adds to the outer one and never changes it", () => {
    withLogFields({ claw: "dave", trigger: "timer healthSweepTimer" }, () => {
      withLogFields({ operationId: "op-2" }, () =>
        expect(logFields()).toMatchObject({ claw: "dave", operationId: "op-2" }),
      );
      expect(logFields().operationId).toBeUndefined();
    });
  });
});

describe("telemetry: claws by power state", () => {
  it("countByPowerState: one count per state; a never-observed claw is unknown", () => {
    expect(countByPowerState(["running", "running", "deallocated", undefined, "absent"])).toEqual({
      running: 2,
      deallocated: 1,
      unknown: 1,
      absent: 1,
    });
  });
});
