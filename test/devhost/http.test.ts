import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevHost, type DevHost } from "../../local/host/main";
import { createUnavailableDurableHost } from "../../local/host/durable-wiring";
import { createLogger, type LogLevel } from "../../local/host/log";
import type { AzuriteHandle } from "../../local/host/azurite";
import { compileFixtureApp, removeFixtureApp, startTestAzurite } from "./fixture";

const KEY = "test-function-key";
const ADMIN = "test-admin-key";
const lines: string[] = [];

let azurite: AzuriteHandle;
let host: DevHost;
let main: string;

beforeAll(async () => {
  azurite = await startTestAzurite();
  main = compileFixtureApp("http-app", { extensions: { http: { routePrefix: "api" } } });
  host = await startDevHost({
    appMain: main,
    port: 0,
    storageConnectionString: azurite.connectionString,
    settings: {
      DEVHOST_API_KEY: KEY,
      DEVHOST_ADMIN_KEY: ADMIN,
      DURABLE_HUB_NAME: "TestHub",
      "AzureWebJobs.boom.Disabled": "true",
    },
    maxBodyBytes: 1024,
    durableFactory: createUnavailableDurableHost,
    disableQueues: true,
    disableTimers: true,
    log: createLogger({ level: "debug", sink: (_l: LogLevel, line: string) => void lines.push(line) }),
  });
});

afterAll(async () => {
  await host?.close();
  await azurite?.close();
  if (main) removeFixtureApp(main);
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${host.url}${path}`, { headers });

describe("dev host HTTP", () => {
  it("routes: passes route parameters, constraints and query to the handler", async () => {
    const res = await get("/api/items/42/widget?q=x", { "x-functions-key": KEY });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: "42", name: "widget", q: "x" });
  });

  it("routes: an optional parameter may be left out", async () => {
    const res = await get(`/api/items/7?code=${KEY}`);
    expect(await res.json()).toEqual({ id: "7", name: null, q: null });
  });

  it("routes: a literal segment wins over a parameter, and a failed constraint does not match", async () => {
    expect(await (await get(`/api/items/special?code=${KEY}`)).json()).toEqual({ special: true });
    expect((await get(`/api/items/abc?code=${KEY}`)).status).toBe(404);
  });

  it("routes: a function without a route is served under its name, case-insensitively", async () => {
    const res = await get("/api/DefaultRoute");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("by name");
  });

  it("auth: a missing key gives 401 with a JSON error", async () => {
    const res = await get("/api/items/1");
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
  });

  it("auth: a wrong key gives 401, in the header or the query", async () => {
    expect((await get("/api/items/1", { "x-functions-key": "nope" })).status).toBe(401);
    expect((await get("/api/items/1?code=nope")).status).toBe(401);
  });

  it("auth: admin routes take only the admin key, which also opens function routes", async () => {
    expect((await get("/api/admin/thing", { "x-functions-key": KEY })).status).toBe(401);
    expect((await get("/api/admin/thing", { "x-functions-key": ADMIN })).status).toBe(204);
    expect((await get("/api/items/1", { "x-functions-key": ADMIN })).status).toBe(200);
  });

  it("routing: an unknown route gives 404 and a path outside the prefix too", async () => {
    const res = await get("/api/nothing/here", { "x-functions-key": KEY });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    expect((await get("/elsewhere")).status).toBe(404);
  });

  it("routing: a known route with the wrong method gives 405 with Allow", async () => {
    const res = await fetch(`${host.url}/api/echo`, { method: "GET" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST, PUT");
  });

  it("responses: body, status, headers and cookies come back from HttpResponse", async () => {
    const res = await fetch(`${host.url}/api/echo`, { method: "PUT", body: "hello" });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe("hello");
    expect(res.headers.get("x-echo-method")).toBe("PUT");
    expect(res.headers.get("set-cookie")).toContain("seen=1");
  });

  it("requests: a body over the limit gives 413", async () => {
    const res = await fetch(`${host.url}/api/echo`, { method: "POST", body: "x".repeat(2048) });
    expect(res.status).toBe(413);
  });

  it("errors: a throwing handler gives 500 without its message", async () => {
    // boom is disabled (AzureWebJobs.boom.Disabled): only the admin key still runs it, as on Azure.
    const res = await get("/api/boom", { "x-functions-key": ADMIN });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain("deliberate failure");
  });

  it("disabled: a function switched off by AzureWebJobs.<name>.Disabled is a 404 to anyone else", async () => {
    expect((await get("/api/boom")).status).toBe(404);
    expect((await get("/api/boom", { "x-functions-key": KEY })).status).toBe(404);
  });

  it("durable: the client binding works with createCheckStatusResponse on this host's origin", async () => {
    const res = await get("/api/client");
    expect(res.status).toBe(202);
    const body = (await res.json()) as Record<string, string>;
    expect(body.id).toBe("abc123");
    expect(
      body.statusQueryGetUri.startsWith(`${host.url}/runtime/webhooks/durabletask/instances/abc123?`),
    ).toBe(true);
    expect(body.statusQueryGetUri).toContain("taskHub=TestHub");
  });

  it("durable: the webhook API needs the key; without an engine it answers 501", async () => {
    expect((await get("/runtime/webhooks/durabletask/instances/x")).status).toBe(401);
    expect((await get(`/runtime/webhooks/durabletask/instances/x?code=${KEY}`)).status).toBe(501);
  });

  it("durable: the rpc prefix is reachable only with its token", async () => {
    const rpc = String(host.durable.clientBindingData().rpcBaseUrl);
    expect((await fetch(`${rpc}instances/x`)).status).toBe(501);
    expect((await get("/durabletask/instances/x")).status).toBe(404);
  });

  it("logging: one line per request without keys or the rpc token", async () => {
    await get(`/api/items/3?code=${KEY}`);
    const rpc = String(host.durable.clientBindingData().rpcBaseUrl);
    await fetch(`${rpc}instances/y`);
    const text = lines.join("\n");
    expect(text).toMatch(/GET \/api\/items\/3 200 [\d.]+ms/);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(ADMIN);
    expect(text).not.toContain(new URL(rpc).pathname.split("/")[2]);
  });
});
