import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AzuriteHandle } from "../../local/host/azurite";
import { createLogger } from "../../local/host/log";
import { startDevHost, type DevHost } from "../../local/host/main";
import { compileFixtureApp, eventually, removeFixtureApp, startTestAzurite } from "./fixture";

const KEY = "durable-test-key";
let azurite: AzuriteHandle;
let host: DevHost;
let main: string;

beforeAll(async () => {
  azurite = await startTestAzurite();
  main = compileFixtureApp("durable-app", { extensions: { durableTask: { hubName: "%HUB%" } } });
  // No durableFactory: the dev host wires local/host/durable's engine itself.
  host = await startDevHost({
    appMain: main,
    port: 0,
    storageConnectionString: azurite.connectionString,
    settings: { DEVHOST_API_KEY: KEY, HUB: "WiringHub" },
    disableQueues: true,
    disableTimers: true,
    log: createLogger({
      level: process.env.DEVHOST_TEST_LOG ? "debug" : "error",
      sink: process.env.DEVHOST_TEST_LOG ? undefined : () => undefined,
    }),
  });
});

afterAll(async () => {
  await host?.close();
  await azurite?.close();
  if (main) removeFixtureApp(main);
});

describe("dev host durable wiring", () => {
  it("durable: an HTTP starter's client reaches the engine and the status URL works with its key", async () => {
    const res = await fetch(`${host.url}/api/greetings/bob`, {
      method: "POST",
      headers: { "x-functions-key": KEY },
    });
    expect(res.status).toBe(202);
    const payload = (await res.json()) as { id: string; statusQueryGetUri: string };
    expect(payload.statusQueryGetUri.startsWith(`${host.url}/runtime/webhooks/durabletask/instances/`)).toBe(
      true,
    );
    expect(payload.statusQueryGetUri).toContain("taskHub=WiringHub");

    const status = await eventually(
      async () => {
        const r = await fetch(payload.statusQueryGetUri);
        const body = (await r.json()) as { runtimeStatus: string; output: unknown };
        return body.runtimeStatus === "Completed" || body.runtimeStatus === "Failed" ? body : undefined;
      },
      20_000,
      "the orchestration to finish",
    );
    expect(status).toMatchObject({ runtimeStatus: "Completed", output: "hello bob" });
  });

  it("durable: the status URL without the key is refused", async () => {
    const url = new URL(`${host.url}/runtime/webhooks/durabletask/instances/whatever`);
    expect((await fetch(url)).status).toBe(401);
  });
});
