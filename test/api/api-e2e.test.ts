import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueClient } from "@azure/storage-queue";
import type { AzuriteHandle } from "../../local/host/azurite";
import { createLogger } from "../../local/host/log";
import { startDevHost, type DevHost } from "../../local/host/main";
import { createStateStore, type StateStore } from "../../core/state";
import { eventually, startTestAzurite } from "../devhost/fixture";
import { removeTsApp, writeTsApp } from "./devhost-app";

// The test reads JSON answers field by field and lets each expect() check the shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed response bodies
type Answer = Record<string, any>;

const KEY = "e2e-function-key";
let azurite: AzuriteHandle;
let host: DevHost;
let main: string;
let state: StateStore;
const lines: string[] = [];

beforeAll(async () => {
  azurite = await startTestAzurite();
  main = writeTsApp("test/api/stub-app.ts", {
    extensions: {
      http: { routePrefix: "api" },
      queues: { maxDequeueCount: 3, visibilityTimeout: "00:00:01", maxPollingInterval: "00:00:00.200" },
    },
  });
  host = await startDevHost({
    appMain: main,
    port: 0,
    storageConnectionString: azurite.connectionString,
    settings: { DEVHOST_API_KEY: KEY, DURABLE_HUB_NAME: "ApiE2E" },
    disableTimers: true,
    log: createLogger({ level: "info", sink: (_l, line) => void lines.push(line) }),
  });
  state = createStateStore(azurite.connectionString);
}, 60_000);

afterAll(async () => {
  await host?.close();
  await azurite?.close();
  if (main) removeTsApp(main);
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(path.startsWith("http") ? path : `${host.url}/api/v1${path}`, {
    method,
    headers: {
      "x-functions-key": KEY,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: (text ? JSON.parse(text) : {}) as Answer,
  };
}

const untilOperation = (url: string, status: string) =>
  eventually(
    async () => {
      const op = await call("GET", url);
      return op.body.status === status ? op.body : undefined;
    },
    20_000,
    `operation ${status}`,
  );

async function sendCommand(message: unknown): Promise<void> {
  const q = new QueueClient(azurite.connectionString, "claw-commands");
  await q.createIfNotExists();
  const text = typeof message === "string" ? message : JSON.stringify(message);
  await q.sendMessage(Buffer.from(text, "utf8").toString("base64"));
}

describe("API v1 end to end on the dev host (stub sagas)", () => {
  it("API: every route needs the function key", async () => {
    const res = await fetch(`${host.url}/api/v1/claws`);
    expect(res.status).toBe(401);
  });

  it("API: create, deploy (202 → succeeded), a held upgrade makes the claw busy (409), then completes", async () => {
    const spec = { name: "alice", region: "eastus", vmSize: "Standard_D4s_v5", imageVersion: "1.0.0" };
    expect((await call("POST", "/claws", spec)).status).toBe(201);

    const deploy = await call("POST", "/claws/alice/deploy");
    expect(deploy.status).toBe(202);
    expect(deploy.headers.get("location")).toBe(deploy.body.statusUrl);
    expect(deploy.body.statusUrl).toBe(`${host.url}/api/v1/operations/${deploy.body.operationId}`);
    const done = await untilOperation(deploy.body.statusUrl, "succeeded");
    expect(done).toMatchObject({ kind: "deploy", claw: "alice", channel: "http", details: { stub: true } });

    const upgrade = await call(
      "POST",
      "/claws/alice/upgrade",
      { toVersion: "9.9.9" },
      { "Idempotency-Key": "up-1" },
    );
    expect(upgrade.status).toBe(202);
    const live = await eventually(
      async () => {
        const op = await call("GET", upgrade.body.statusUrl);
        return op.body.live?.customStatus ? op.body : undefined;
      },
      20_000,
      "live status",
    );
    expect(live.live).toMatchObject({ runtimeStatus: "Running", customStatus: { step: "working" } });

    const busy = await call("POST", "/claws/alice/park");
    expect(busy.status).toBe(409);
    expect(busy.body.error).toMatchObject({ code: "CLAW_BUSY", operationId: upgrade.body.operationId });
    const repeat = await call(
      "POST",
      "/claws/alice/upgrade",
      { toVersion: "9.9.9" },
      { "Idempotency-Key": "up-1" },
    );
    expect(repeat.body).toMatchObject({ operationId: upgrade.body.operationId, duplicate: true });

    const raised = await fetch(
      `${host.url}/runtime/webhooks/durabletask/instances/claw-alice/raiseEvent/proceed?code=${KEY}`,
      { method: "POST", headers: { "content-type": "application/json" }, body: "true" },
    );
    expect(raised.status).toBe(202);
    await untilOperation(upgrade.body.statusUrl, "succeeded");
    expect((await call("GET", "/claws/alice")).body.runningOperationId).toBeUndefined();
  });

  it("queue: a duplicated message runs one saga; an invalid one is poisoned at once", async () => {
    await eventually(async () =>
      (await call("GET", "/claws/alice")).body.name === "alice" ? true : undefined,
    );
    const park = { kind: "park", claw: "alice", requestId: "queue-park-1" };
    await sendCommand(park);
    await sendCommand(park);
    await sendCommand("not json at all");

    const audits = await eventually(
      async () => {
        const rows = (await state.audit.list()).filter((a) => a.requestId === "queue-park-1");
        return rows.length >= 2 ? rows : undefined;
      },
      20_000,
      "both park messages handled",
    );
    expect(audits.every((a) => a.accepted && a.channel === "queue")).toBe(true);
    const parks = (await call("GET", "/operations?claw=alice")).body.operations.filter(
      (o: { kind: string }) => o.kind === "park",
    );
    expect(parks).toHaveLength(1);
    await untilOperation(`/operations/${parks[0].id}`, "succeeded");

    const poison = new QueueClient(azurite.connectionString, "claw-commands-poison");
    const poisoned = await eventually(
      async () => {
        await poison.createIfNotExists();
        const { receivedMessageItems } = await poison.receiveMessages();
        return receivedMessageItems[0];
      },
      20_000,
      "poisoned message",
    );
    expect(Buffer.from(poisoned.messageText, "base64").toString("utf8")).toBe("not json at all");
    expect(poisoned.dequeueCount).toBe(1);
    expect(lines.join("\n")).toMatch(/moved to claw-commands-poison: the message is not JSON/);
  });

  it("API: serves its OpenAPI document", async () => {
    const res = await call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    expect(res.body.servers[0].url).toBe(`${host.url}/api/v1`);
  });
});
