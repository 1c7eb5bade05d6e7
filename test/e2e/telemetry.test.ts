/**
 * Telemetry on the twin (TELEMETRY_EXPORTER=jsonl): one upgrade request produces one connected
 * trace — the HTTP trigger, the saga start, every activity of the operation, the ARM calls and the
 * SSH commands beneath them — and so does a command from the queue and a run of a timer; log lines
 * carry the operation id and claw name; and nothing exported carries a secret.
 */
import { QueueClient } from "@azure/storage-queue";
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
      env: {
        TELEMETRY_EXPORTER: "jsonl",
        TELEMETRY_FILE: file,
        TELEMETRY_METRICS_INTERVAL_MS: "500",
        TELEMETRY_FLEET_GAUGE_MS: "1000",
      },
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
  const spans = () => lines().filter((l) => "spanId" in l && "name" in l) as unknown as SpanLine[];
  const logLines = () =>
    lines().filter((l) => "log" in l) as { log: string; level: string; attributes: Record<string, string> }[];

  /** Waits until `pick` finds something in the spans (the exporter writes as spans end). */
  async function waitForSpans<T>(pick: (all: SpanLine[]) => T | undefined, what: string): Promise<T> {
    for (let i = 0; i < 600; i++) {
      const found = pick(spans());
      if (found !== undefined) return found;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no ${what} in the spans after 120 s\n${t.logs.slice(-30).join("\n")}`);
  }

  /** The trace of `root`, checked to be connected: every other span's parent is in it. */
  function connectedTrace(root: SpanLine): SpanLine[] {
    const trace = spans().filter((s) => s.traceId === root.traceId);
    const ids = new Set(trace.map((s) => s.spanId));
    expect(trace.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId)).map((s) => s.name)).toEqual([
      root.name,
    ]);
    return trace;
  }
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

  it("queue: a command from claw-commands is one connected trace, from the message to SSH", async () => {
    const queue = new QueueClient(t.azurite.connectionString, "claw-commands");
    await queue.createIfNotExists();
    const message = { kind: "verify", claw: "tele", requestId: "telemetry-queue-verify-1" };
    await queue.sendMessage(Buffer.from(JSON.stringify(message)).toString("base64"));

    const saga = await waitForSpans(
      (all) =>
        all.find(
          (s) =>
            s.name === "saga verifyClaw" &&
            all.some((r) => r.spanId === s.parentSpanId && r.name === "queue clawCommands"),
        ),
      "saga span under the queue trigger",
    );
    const op = String(saga.attributes["openclawps.operation_id"]);
    const done = await t.waitForOperation(op);
    expect(done.status, JSON.stringify(done)).toBe("succeeded");
    const root = spans().find((s) => s.spanId === saga.parentSpanId)!;
    expect(root.attributes["faas.trigger"]).toBe("pubsub");
    expect(root.attributes["openclawps.claw"]).toBe("tele");
    await waitForSpans(
      (all) =>
        all.find(
          (s) => s.name === "activity finishOperation" && s.attributes["openclawps.operation_id"] === op,
        ),
      "finishOperation span of the queued verify",
    );
    const trace = connectedTrace(root);
    const activities = trace.filter((s) => s.name.startsWith("activity "));
    expect(activities.length).toBeGreaterThan(2);
    for (const a of activities) expect(a.attributes["openclawps.operation_id"]).toBe(op);
    expect(trace.some((s) => s.name.startsWith("SSH verify.sh"))).toBe(true);
  }, 240_000);

  it("timer: a run of the health sweep (started as the admin API runs a timer) is one connected trace", async () => {
    // The claw's Telegram channel is down for this sweep: a failing verify, named by its check.
    const c = await t.api<{ observed: { publicIp: string; hostKeySha256?: string } }>(
      "GET",
      "/v1/claws/tele",
    );
    const onGuest = async (command: string) => {
      const r = await t.guest(c.body.observed.publicIp, c.body.observed.hostKeySha256).exec(command);
      expect(r.code, r.stderr).toBe(0);
    };
    const flag = '"${CLAW_STATE}/shim/openclaw/telegram-down"';
    await onGuest(`mkdir -p "\${CLAW_STATE}/shim/openclaw" && touch ${flag}`);
    const res = await fetch(`${t.url}/admin/functions/healthSweepTimer`, {
      method: "POST",
      headers: { "x-functions-key": t.apiKey, "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(202);
    const root = await waitForSpans(
      (all) => all.find((s) => s.name === "timer healthSweepTimer"),
      "timer span",
    );
    expect(root.attributes["faas.trigger"]).toBe("timer");
    await waitForSpans(
      (all) => all.find((s) => s.traceId === root.traceId && s.name === "activity finishHealthSweep"),
      "the sweep's last activity in the timer's trace",
    );
    const trace = connectedTrace(root);
    const names = trace.map((s) => s.name);
    expect(names).toContain("saga healthSweep");
    expect(names).toContain("activity planHealthSweep");
    const check = trace.find((s) => s.name === "activity checkClawHealth");
    expect(check?.attributes["openclawps.claw"]).toBe("tele");
    // What the "verify failing on a running claw" alert reads.
    expect(check?.attributes["openclawps.verify_ok"]).toBe(false);
    expect(check?.attributes["openclawps.verify_failing"]).toBe("telegram-connected");
    expect(names.some((n) => n.startsWith("SSH verify.sh"))).toBe(true);
    await onGuest(`rm -f ${flag}`);
  }, 240_000);

  it("logs: lines carry the operation id and claw name, as attributes and in the text", async () => {
    const created = await t.api("POST", "/v1/claws", {
      name: "tele-logs",
      region: "westus",
      vmSize: "Standard_D2s_v5",
      imageVersion: "1.0.0",
    });
    expect(created.status).toBe(201);
    const r = await t.api<{ operationId: string }>("POST", "/v1/claws/tele-logs/deploy");
    expect(r.status).toBe(202);
    const op = r.body.operationId;
    await t.waitForOperation(op);
    const ofOp = logLines().filter((l) => l.attributes["openclawps.operation_id"] === op);
    expect(ofOp.length, "structured log lines of the deploy").toBeGreaterThan(0);
    for (const l of ofOp) expect(l.attributes["openclawps.claw"]).toBe("tele-logs");
    // The dev host's plain log shows the same fields at the end of each such line.
    expect(t.logs.some((l) => l.includes(`op=${op} claw=tele-logs`))).toBe(true);
  }, 240_000);

  it("metrics: step durations, sagas, outcomes, durations by kind, ARM requests by bucket, claws by power state", async () => {
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
    expect(has("openclawps.operation.ended", { kind: "upgrade", outcome: "succeeded" })).toBe(true);
    expect(has("openclawps.operation.ended", { kind: "verify", outcome: "succeeded" })).toBe(true);
    const upgrade = points.find(
      (p) => p.metric === "openclawps.operation.duration" && p.attributes.kind === "upgrade",
    );
    expect((upgrade?.value as { count?: number; sum?: number } | undefined)?.count).toBeGreaterThanOrEqual(1);
    expect((upgrade?.value as { sum: number }).sum).toBeGreaterThan(0);
    // The gauge reads the Claws table: both claws of this file run.
    let gauge = points.filter((p) => p.metric === "openclawps.claws");
    for (let i = 0; i < 40 && !gauge.some((p) => p.value === 2); i++) {
      await new Promise((r) => setTimeout(r, 250));
      gauge = metricPoints().filter((p) => p.metric === "openclawps.claws");
    }
    expect(gauge.some((p) => p.attributes.power_state === "running" && p.value === 2)).toBe(true);
    expect(has("openclawps.step.duration", { activity: "finishOperation", ok: true })).toBe(true);
    expect(has("openclawps.arm.requests", { bucket: "write" })).toBe(true);
    expect(has("openclawps.arm.requests", { bucket: "read" })).toBe(true);
    expect(has("openclawps.verify.failures", { check: "telegram-connected" })).toBe(true);
  });

  it("telemetry: no span, attribute, event or log line carries a secret", () => {
    const text = fs.readFileSync(file, "utf8");
    const secrets = JSON.parse(fs.readFileSync(t.env.LOCAL_SECRETS_FILE, "utf8")) as {
      sshPrivateKey?: string;
    };
    const values = [...Object.values(SECRET_VALUES), t.apiKey];
    if (secrets.sshPrivateKey) values.push(secrets.sshPrivateKey.split("\n")[1]);
    expect(text.length).toBeGreaterThan(1000);
    for (const v of values) expect(text.includes(v), `a secret (${v.slice(0, 6)}…) in the spans`).toBe(false);
    // The plain log too (the dev host's output: every trigger's and activity's lines).
    const plain = t.logs.join("\n");
    expect(plain).toMatch(/ op=\S+ claw=tele/);
    for (const v of values) expect(plain.includes(v), `a secret (${v.slice(0, 6)}…) in the log`).toBe(false);
  });
});
