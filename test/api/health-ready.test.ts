import { QueueClient } from "@azure/storage-queue";
import { HttpRequest, InvocationContext } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeFailure, runChecks, type DependencyCheck } from "../../core/health/checks";
import { readinessChecks } from "../../core/health/dependencies";
import { readyHandler } from "../../functions/http/health";
import { startAzurite, type Azurite } from "../helpers/azurite";
import { RG, startTwin, SUB, type Twin } from "../azure/helpers";

const never: DependencyCheck = { name: "stuck", run: () => new Promise(() => undefined) };
const fine: DependencyCheck = { name: "fine", run: async () => "answers" };
const broken: DependencyCheck = {
  name: "broken",
  run: async () => {
    throw new Error("refused");
  },
};

function call(checks: DependencyCheck[]) {
  const req = new HttpRequest({ method: "GET", url: "http://127.0.0.1/api/v1/health/ready" });
  return readyHandler(() => checks)(req, new InvocationContext({ functionName: "healthReady" }));
}

describe("health/ready: the probe", () => {
  it("ready: 200 when every dependency answers, with each check's timing", async () => {
    const res = await call([fine]);
    expect(res.status).toBe(200);
    expect(res.jsonBody).toMatchObject({
      status: "ready",
      checks: [{ name: "fine", ok: true, detail: "answers" }],
    });
  });

  it("ready: a hung dependency fails within the time bound and is named in the 503", async () => {
    process.env.HEALTH_READY_TIMEOUT_MS = "100";
    try {
      const res = await call([fine, never, broken]);
      expect(res.status).toBe(503);
      const body = res.jsonBody as { failing: string[]; checks: { name: string; detail: string }[] };
      expect(body.failing).toEqual(["stuck", "broken"]);
      expect(body.checks.find((c) => c.name === "stuck")?.detail).toBe("no answer within 100 ms");
      expect(body.checks.find((c) => c.name === "broken")?.detail).toBe("refused");
    } finally {
      delete process.env.HEALTH_READY_TIMEOUT_MS;
    }
  });

  it("ready: a failure's message never echoes a key or token", () => {
    const text = describeFailure(new Error("bad AccountKey=abc123/+= and sig=XYZ; Bearer eyJabc"));
    expect(text).not.toMatch(/abc123|XYZ|eyJabc/);
  });
});

describe("health/ready: the app's dependencies on the twin", () => {
  let azurite: Azurite;
  let twin: Twin;
  let env: Record<string, string>;

  beforeAll(async () => {
    [azurite, twin] = await Promise.all([startAzurite(), startTwin()]);
    env = {
      AzureWebJobsStorage: azurite.connectionString,
      DURABLE_HUB_NAME: "ReadyHub",
      AZURE_SUBSCRIPTION_ID: SUB,
      FLEET_RESOURCE_GROUP: RG,
      FLEET_LOCATION: "westus",
      FLEET_SUBNET_ID: twin.ids.subnetId,
      GALLERY_RESOURCE_GROUP: RG,
      GALLERY_NAME: "g",
      GALLERY_IMAGE_NAME: "i",
      ARM_ENDPOINT: twin.emulator.url,
    };
  });
  afterAll(async () => {
    await Promise.all([azurite?.close(), twin?.emulator.close()]);
  });

  it("ready: storage, ARM and the task hub all answer on a fresh twin", async () => {
    const result = await runChecks(readinessChecks(env), 5_000);
    expect(result.checks.map((c) => c.name)).toEqual([
      "storage.tables",
      "storage.queues",
      "durable.taskHub",
      "arm.fleetResourceGroup",
    ]);
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it("ready: a missing fleet resource group fails the ARM check and names the group", async () => {
    const result = await runChecks(readinessChecks({ ...env, FLEET_RESOURCE_GROUP: "rg-gone" }), 5_000);
    const arm = result.checks.find((c) => c.name === "arm.fleetResourceGroup")!;
    expect(arm.ok).toBe(false);
    expect(arm.detail).toMatch(/ResourceGroupNotFound.*rg-gone/);
    expect(result.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(["arm.fleetResourceGroup"]);
  });

  it("ready: a task-hub queue past the threshold fails the durable check", async () => {
    const q = new QueueClient(azurite.connectionString, "readyhub-workitems");
    await q.createIfNotExists();
    for (let i = 0; i < 3; i++) await q.sendMessage(`m${i}`);
    const result = await runChecks(readinessChecks({ ...env, HEALTH_DURABLE_BACKLOG_MAX: "2" }), 5_000);
    const hub = result.checks.find((c) => c.name === "durable.taskHub")!;
    expect(hub.ok).toBe(false);
    expect(hub.detail).toContain("readyhub-workitems has 3 messages");
  });

  it("ready: unreachable storage fails both storage checks within the bound", async () => {
    const gone = azurite.connectionString.replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:9");
    const result = await runChecks(readinessChecks({ ...env, AzureWebJobsStorage: gone }), 1_000);
    const failing = result.checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failing).toEqual(expect.arrayContaining(["storage.tables", "storage.queues", "durable.taskHub"]));
    expect(failing).not.toContain("arm.fleetResourceGroup");
  });

  it("ready: no storage setting at all is reported as a configuration problem, not a crash", async () => {
    const { AzureWebJobsStorage: _omit, ...rest } = env;
    const result = await runChecks(readinessChecks(rest), 1_000);
    expect(result.checks.find((c) => c.name === "storage.tables")?.detail).toMatch(/not configured/);
  });
});
