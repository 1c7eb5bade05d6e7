/**
 * The versioning rule (docs/versioning.md) on the twin: sagas started on version N of the app keep
 * running after the dev host restarts on version N+1. A deploy that follows the rule (new name,
 * old orchestrator kept) finishes every instance; one that changes the orchestrator in place, or
 * drops it, fails the instances in flight loudly instead of letting them run on a changed history.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AzuriteHandle } from "../../local/host/azurite";
import { createLogger } from "../../local/host/log";
import { startDevHost, type DevHost } from "../../local/host/main";
import { compileFixtureApp, eventually, removeFixtureApp, startTestAzurite } from "./fixture";

const KEY = "versioning-test-key";
const INSTANCES = 4;
let azurite: AzuriteHandle;
const apps: Record<string, string> = {};
let host: DevHost | undefined;
let errors: string[] = [];

beforeAll(async () => {
  azurite = await startTestAzurite();
  for (const v of ["versioned-v1", "versioned-v2", "versioned-v2-in-place", "versioned-v2-dropped"]) {
    apps[v] = compileFixtureApp(v, { extensions: { durableTask: { hubName: "%HUB%" } } });
  }
});

afterEach(async () => {
  await host?.close();
  host = undefined;
});

afterAll(async () => {
  await azurite?.close();
  for (const main of Object.values(apps)) removeFixtureApp(main);
});

/** "Deploys" an app version: a dev host on the shared storage, as a restart on a new build is. */
async function deploy(version: string, hub: string): Promise<DevHost> {
  await host?.close();
  errors = [];
  host = await startDevHost({
    appMain: apps[version],
    port: 0,
    storageConnectionString: azurite.connectionString,
    settings: { DEVHOST_API_KEY: KEY, HUB: hub },
    disableQueues: true,
    disableTimers: true,
    log: createLogger({
      level: "error",
      sink: (_level, line) => {
        errors.push(line);
      },
    }),
  });
  return host;
}

const api = (path: string) => `${host!.url}/runtime/webhooks/durabletask/${path}?code=${KEY}`;

async function start(name: string, id: string, input: string): Promise<void> {
  const res = await fetch(api(`orchestrators/${name}/${id}`), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(input),
  });
  expect(res.status).toBeLessThan(300);
}

interface Status {
  runtimeStatus: string;
  output: unknown;
  historyEvents?: { EventType: string }[];
}

async function status(id: string): Promise<Status> {
  return (await (await fetch(`${api(`instances/${id}`)}&showHistory=true`)).json()) as Status;
}

/** Waits until the instance has run stepA and waits for "go" (its history ends in the wait). */
async function waitingForGo(id: string): Promise<void> {
  await eventually(
    async () => {
      const s = await status(id);
      return s.historyEvents?.some((e) => e.EventType === "TaskCompleted") ? true : undefined;
    },
    20_000,
    `${id} to reach the wait`,
  );
}

async function go(id: string): Promise<void> {
  const res = await fetch(api(`instances/${id}/raiseEvent/go`), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "true",
  });
  expect(res.status).toBe(202);
}

async function finished(id: string): Promise<Status> {
  return eventually(
    async () => {
      const s = await status(id);
      return ["Completed", "Failed", "Terminated"].includes(s.runtimeStatus) ? s : undefined;
    },
    20_000,
    `${id} to finish`,
  );
}

/** Version N: starts the instances and leaves them waiting mid-saga, as a deploy finds them. */
async function inFlightOnV1(hub: string): Promise<string[]> {
  await deploy("versioned-v1", hub);
  const ids = Array.from({ length: INSTANCES }, (_, i) => `w-${i}`);
  await Promise.all(ids.map((id) => start("provisionWidget", id, id)));
  await Promise.all(ids.map(waitingForGo));
  return ids;
}

describe("versioned deploys on the twin", () => {
  it("deploy: N+1 under a new name finishes every instance started on N, and new ones run N+1", async () => {
    const ids = await inFlightOnV1("DeployHubA");
    await deploy("versioned-v2", "DeployHubA");
    await start("provisionWidgetV2", "fresh", "fresh");
    await waitingForGo("fresh");
    await Promise.all([...ids, "fresh"].map(go));
    for (const id of ids) {
      expect(await finished(id)).toMatchObject({ runtimeStatus: "Completed", output: `v1:b(a(${id}))` });
    }
    expect(await finished("fresh")).toMatchObject({
      runtimeStatus: "Completed",
      output: "v2:b(c(a(fresh)))",
    });
    expect(errors).toEqual([]);
  });

  it("deploy: an orchestrator changed in place fails its in-flight instances loudly as non-deterministic", async () => {
    const ids = await inFlightOnV1("DeployHubB");
    await deploy("versioned-v2-in-place", "DeployHubB");
    await Promise.all(ids.map(go));
    for (const id of ids) {
      const s = await finished(id);
      expect(s.runtimeStatus).toBe("Failed");
      expect(String(s.output)).toMatch(
        /Non-deterministic orchestrator 'provisionWidget'.*step 2 scheduled activity 'stepC'.*docs\/versioning\.md/,
      );
    }
    // Loudly: one error line per instance in the host's log, naming it.
    const loud = errors.filter((l) => l.includes("NonDeterministicOrchestrationError"));
    expect(loud).toHaveLength(INSTANCES);
    for (const id of ids) expect(loud.some((l) => l.includes(` ${id} `))).toBe(true);
  });

  it("deploy: an orchestrator dropped before its instances drained fails them, naming it", async () => {
    const ids = await inFlightOnV1("DeployHubC");
    await deploy("versioned-v2-dropped", "DeployHubC");
    await Promise.all(ids.map(go));
    for (const id of ids) {
      const s = await finished(id);
      expect(s.runtimeStatus).toBe("Failed");
      expect(String(s.output)).toMatch(/'provisionWidget' is not registered.*in flight/);
    }
    expect(errors.filter((l) => l.includes("FunctionNotFound"))).toHaveLength(INSTANCES);
  });
});
