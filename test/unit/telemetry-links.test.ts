/**
 * Trace links across the durable boundary, without the twin: a timer's saga (no operation id,
 * linked by instance id), a claw saga it starts from an activity (linked by operation id), and
 * activities of both — each in the process's own spans file — form one trace. Telemetry is on
 * (jsonl) for this file only: vitest runs each file in its own process.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type Azurite } from "../helpers/azurite";

let azurite: Azurite;
let dir: string;
let file: string;

beforeAll(async () => {
  azurite = await startAzurite({ table: true, queue: false });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "telemetry-links-"));
  file = path.join(dir, "spans.jsonl");
  process.env.TELEMETRY_EXPORTER = "jsonl";
  process.env.TELEMETRY_FILE = file;
  process.env.AzureWebJobsStorage = azurite.connectionString;
  process.env.TABLE_PREFIX = `t${Date.now().toString(36)}`;
  process.env.TELEMETRY_METRICS_INTERVAL_MS = "100";
});
afterAll(async () => {
  await azurite?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

interface Line {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
  log?: string;
}
const lines = () =>
  fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

describe("telemetry: links across the durable boundary", () => {
  it("timer saga → startClawCommand → claw saga → its activities: one connected trace", async () => {
    const t = await import("../../core/telemetry");
    const { appRoot } = await import("../../core/app");
    // As the app's entry point does: links live in the root's storage, under its table prefix.
    t.useTraceLinks(() => appRoot().storage.traceLinks);
    await t.traceTrigger(
      "timer scheduleTickTimer",
      { "faas.trigger": "timer" },
      () => t.traceSagaStart("scheduleTick", undefined, {}, async () => "started", "schedule-tick-x"),
      t.SpanKind.INTERNAL,
    );
    // Later, elsewhere: the tick's activity (no op; its instance id from the trigger metadata)
    // starts a claw saga, as startClawCommand's capturing client does.
    await t.traceActivity(
      "startClawCommand",
      { kind: "park", claw: "alice" },
      () =>
        t.traceSagaStart("parkClaw", "op-child", { "openclawps.claw": "alice" }, async () => {
          t.logLine("info", "[activities] claimed");
          return "claw-alice";
        }),
      "schedule-tick-x",
    );
    // The claw saga's activities: by operation id; one names no claw (notifyOperators).
    await t.traceActivity("deallocateVm", { op: "op-child", claw: "alice" }, async () => "ok", "claw-alice");
    await t.traceActivity(
      "notifyOperators",
      { op: "op-child" },
      async () => t.logLine("warn", "[notify] no bot configured"),
      "claw-alice",
    );

    const all = lines();
    const spans = all.filter((l) => l.name);
    const root = spans.find((s) => s.name === "timer scheduleTickTimer")!;
    const trace = spans.filter((s) => s.traceId === root.traceId);
    expect(trace.map((s) => s.name).sort()).toEqual(
      [
        "activity deallocateVm",
        "activity notifyOperators",
        "activity startClawCommand",
        "saga parkClaw",
        "saga scheduleTick",
        "timer scheduleTickTimer",
      ].sort(),
    );
    const ids = new Set(trace.map((s) => s.spanId));
    expect(trace.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId)).map((s) => s.name)).toEqual([
      "timer scheduleTickTimer",
    ]);
    const byName = (n: string) => trace.find((s) => s.name === n)!;
    expect(byName("activity deallocateVm").parentSpanId).toBe(byName("saga parkClaw").spanId);
    expect(byName("saga parkClaw").parentSpanId).toBe(byName("activity startClawCommand").spanId);
    expect(byName("activity startClawCommand").parentSpanId).toBe(byName("saga scheduleTick").spanId);
    expect(byName("activity notifyOperators").attributes["openclawps.claw"]).toBe("alice");

    // Log records: with the operation id and claw as attributes, joined to the active span.
    const logs = all.filter((l) => l.log !== undefined) as unknown as {
      log: string;
      attributes: Record<string, string>;
      traceId: string;
    }[];
    const notify = logs.find((l) => l.log.startsWith("[notify]"))!;
    expect(notify.attributes).toMatchObject({
      "openclawps.operation_id": "op-child",
      "openclawps.claw": "alice",
      "openclawps.activity": "notifyOperators",
    });
    expect(notify.traceId).toBe(root.traceId);
    expect(logs.find((l) => l.log === "[activities] claimed")?.attributes["openclawps.operation_id"]).toBe(
      "op-child",
    );
  });

  it("claws gauge: exported by power state; the table is read at most once per interval", async () => {
    const t = await import("../../core/telemetry");
    let reads = 0;
    t.observeClawPowerStates({
      read: async () => {
        reads++;
        return ["running", "running", "deallocated", undefined];
      },
      minIntervalMs: 60_000,
    });
    const gauge = () =>
      lines().filter(
        (l) => (l as unknown as { metric?: string }).metric === "openclawps.claws",
      ) as unknown as {
        attributes: Record<string, string>;
        value: number;
      }[];
    for (let i = 0; i < 50 && gauge().length < 9; i++) await new Promise((r) => setTimeout(r, 100));
    const points = gauge();
    // Three exports at least (three states each), one table read.
    expect(points.length).toBeGreaterThanOrEqual(9);
    expect(reads).toBe(1);
    const latest = Object.fromEntries(points.slice(-3).map((p) => [p.attributes.power_state, p.value]));
    expect(latest).toEqual({ running: 2, deallocated: 1, unknown: 1 });
  });
});
