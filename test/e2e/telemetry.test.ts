/**
 * Telemetry on the twin (TELEMETRY_EXPORTER=jsonl): one upgrade request produces one connected
 * trace — the HTTP trigger, the saga start, every activity of the operation, the ARM calls and the
 * SSH commands beneath them — and nothing exported carries a secret.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECRET_VALUES, startTwinHarness, type TwinHarness } from "../../local/twin-harness";

interface SpanLine {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
  events: { name: string }[];
}

describe("telemetry on the twin", () => {
  let t: TwinHarness;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "telemetry-e2e-"));
    file = path.join(dir, "spans.jsonl");
    t = await startTwinHarness({
      env: { TELEMETRY_EXPORTER: "jsonl", TELEMETRY_FILE: file, TELEMETRY_METRICS_INTERVAL_MS: "500" },
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const lines = () =>
    fs
      .readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const spans = () => lines().filter((l) => "spanId" in l) as unknown as SpanLine[];
  const metricPoints = () =>
    lines().filter((l) => "metric" in l) as {
      metric: string;
      attributes: Record<string, unknown>;
      value: unknown;
    }[];

  async function run(action: string, body?: unknown): Promise<string> {
    const r = await t.api<{ operationId: string }>("POST", `/v1/claws/tele/${action}`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const op = await t.waitForOperation(r.body.operationId);
    expect(op.status, JSON.stringify(op)).toBe("succeeded");
    return r.body.operationId;
  }

  it("upgrade: one connected trace from the HTTP trigger through the saga's activities to ARM and SSH", async () => {
    const created = await t.api("POST", "/v1/claws", {
      name: "tele",
      region: "westus",
      vmSize: "Standard_D2s_v5",
      imageVersion: "1.0.0",
    });
    expect(created.status).toBe(201);
    await run("deploy");
    const op = await run("upgrade", { toVersion: "1.1.0" });

    const all = spans();
    const trigger = all.find(
      (s) =>
        s.name === "HTTP POST clawAction" && String(s.attributes["url.path"]).endsWith("/claws/tele/upgrade"),
    );
    expect(trigger, "the upgrade request's span").toBeDefined();
    expect(trigger!.attributes["http.response.status_code"]).toBe(202);
    const trace = all.filter((s) => s.traceId === trigger!.traceId);
    const names = trace.map((s) => s.name);

    expect(names).toContain("saga upgradeClaw");
    const activities = trace.filter((s) => s.name.startsWith("activity "));
    expect(activities.length).toBeGreaterThan(5);
    for (const a of activities) expect(a.attributes["openclawps.claw"]).toBe("tele");
    expect(trace.filter((s) => s.name.startsWith("ARM ")).length).toBeGreaterThan(3);
    expect(names.some((n) => n.startsWith("SSH verify.sh"))).toBe(true);

    // Connected: one root (the trigger); every other span's parent is in the same trace.
    const ids = new Set(trace.map((s) => s.spanId));
    expect(trace.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId)).map((s) => s.name)).toEqual([
      "HTTP POST clawAction",
    ]);
    // Every activity span of this operation is in this trace, none elsewhere.
    const ofOp = all.filter(
      (s) => s.attributes["openclawps.operation_id"] === op && s.name.startsWith("activity "),
    );
    expect(ofOp.length).toBe(activities.filter((a) => a.attributes["openclawps.operation_id"] === op).length);
    // ARM spans say how each call went.
    const arm = trace.find((s) => s.name.startsWith("ARM "))!;
    expect(arm.attributes["http.response.status_code"]).toBeTypeOf("number");
    expect(arm.attributes["openclawps.arm.attempts"]).toBeGreaterThanOrEqual(1);
  }, 240_000);

  it("metrics: step durations, sagas, outcomes and ARM requests by bucket are exported", async () => {
    let points = metricPoints();
    for (let i = 0; i < 40 && !points.some((p) => p.metric === "openclawps.operation.ended"); i++) {
      await new Promise((r) => setTimeout(r, 250));
      points = metricPoints();
    }
    const has = (metric: string, attrs: Record<string, unknown>) =>
      points.some(
        (p) => p.metric === metric && Object.entries(attrs).every(([k, v]) => p.attributes[k] === v),
      );
    expect(has("openclawps.saga.started", { saga: "upgradeClaw" })).toBe(true);
    expect(has("openclawps.operation.ended", { outcome: "succeeded" })).toBe(true);
    expect(has("openclawps.step.duration", { activity: "finishOperation", ok: true })).toBe(true);
    expect(has("openclawps.arm.requests", { bucket: "write" })).toBe(true);
    expect(has("openclawps.arm.requests", { bucket: "read" })).toBe(true);
  });

  it("telemetry: no span, attribute or event carries a secret", () => {
    const text = fs.readFileSync(file, "utf8");
    const secrets = JSON.parse(fs.readFileSync(t.env.LOCAL_SECRETS_FILE, "utf8")) as {
      sshPrivateKey?: string;
    };
    const values = [...Object.values(SECRET_VALUES), t.apiKey];
    if (secrets.sshPrivateKey) values.push(secrets.sshPrivateKey.split("\n")[1]);
    expect(text.length).toBeGreaterThan(1000);
    for (const v of values) expect(text.includes(v), `a secret (${v.slice(0, 6)}…) in the spans`).toBe(false);
  });
});
