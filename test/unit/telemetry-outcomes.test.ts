import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { outcomeOfInput, outcomeOfResult } from "../../core/telemetry";

const ROOT = path.resolve(__dirname, "../..");

describe("telemetry: what alerts read from activity spans", () => {
  it("outcome: finishOperation's status and a compensation that needs manual action", () => {
    expect(
      outcomeOfInput({ op: "o", status: "compensated", compensation: { summary: "restored 1.0.0" } }),
    ).toEqual({
      "openclawps.outcome": "compensated",
    });
    expect(
      outcomeOfInput({
        status: "failed",
        compensation: { summary: "compensation failed (X); manual action needed" },
      }),
    ).toEqual({ "openclawps.outcome": "failed", "openclawps.manual_action": true });
    expect(outcomeOfInput({ op: "o", claw: "a" })).toEqual({});
  });

  it("outcome: a failed verify names its failing checks; drift findings are counted", () => {
    expect(
      outcomeOfResult({
        ok: false,
        checks: [
          { name: "gateway", ok: false },
          { name: "disk", ok: true },
          { name: "telegram", ok: false },
        ],
      }),
    ).toEqual({ "openclawps.verify_ok": false, "openclawps.verify_failing": "gateway,telegram" });
    expect(outcomeOfResult({ checked: 3, findings: [{}, {}], errors: [] })).toEqual({
      "openclawps.drift_findings": 2,
    });
    expect(outcomeOfResult(undefined)).toEqual({});
    // The health sweep's verdict on a running claw counts as a verify too.
    expect(outcomeOfResult({ claw: "a", status: "failing", failed: ["gateway", "telegram"] })).toEqual({
      "openclawps.verify_ok": false,
      "openclawps.verify_failing": "gateway,telegram",
    });
    expect(outcomeOfResult({ claw: "a", status: "healthy", failed: [] })).toEqual({
      "openclawps.verify_ok": true,
    });
    expect(outcomeOfResult({ claw: "a", status: "skipped", failed: [], detail: "parked" })).toEqual({});
  });

  it("alerts: every rule queries attributes and span names the app exports", () => {
    const bicep = readFileSync(path.join(ROOT, "bicep/modules/alerts.bicep"), "utf8");
    const code = ["core/telemetry/index.ts", "core/azure/tracing-policy.ts"]
      .map((f) => readFileSync(path.join(ROOT, f), "utf8"))
      .join("\n");
    for (const name of [
      "saga-manual-action",
      "saga-compensated",
      "drift-found",
      "verify-failing",
      "api-5xx",
    ]) {
      expect(bicep).toContain(`name: '${name}'`);
    }
    const attributes = [...bicep.matchAll(/customDimensions\["(openclawps\.[a-z_.]+)"\]/g)].map((m) => m[1]);
    expect(attributes.length).toBeGreaterThan(4);
    for (const a of new Set(attributes)) expect(code, a).toContain(`"${a}"`);
    const workbook = readFileSync(path.join(ROOT, "bicep/monitoring/fleet-workbook.json"), "utf8");
    for (const a of new Set(
      [...workbook.matchAll(/customDimensions\[\\"(openclawps\.[a-z_.]+)\\"\]/g)].map((m) => m[1]),
    )) {
      expect(code, a).toContain(`"${a}"`);
    }
  });
});
