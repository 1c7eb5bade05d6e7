import { TableClient } from "@azure/data-tables";
import { QueueServiceClient } from "@azure/storage-queue";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AzuriteHandle } from "../../local/host/azurite";
import { createUnavailableDurableHost } from "../../local/host/durable-wiring";
import { createLogger } from "../../local/host/log";
import { startDevHost, type DevHost } from "../../local/host/main";
import { decodeQueueMessage } from "../../local/host/queue/encoding";
import { MONITOR_TABLE, ScheduleMonitor } from "../../local/host/timer/monitor";
import { compileFixtureApp, eventually, removeFixtureApp, startTestAzurite } from "./fixture";

interface Run {
  fn: string;
  retryContext?: { retryCount: number; maxRetryCount: number; exception?: { message?: string } };
  timer: {
    isPastDue: boolean;
    schedule: { adjustForDST: boolean };
    scheduleStatus?: { last: string; next: string } | null;
  };
}

const NEVER = "0 0 0 1 1 *"; // once a year: does not fire during a test
let azurite: AzuriteHandle;
let queues: QueueServiceClient;
let main: string;
let host: DevHost | undefined;
let hostCount = 0;

beforeAll(async () => {
  azurite = await startTestAzurite();
  queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
  await queues.getQueueClient("timer-runs").createIfNotExists();
  main = compileFixtureApp("timer-app", {});
});

afterEach(async () => {
  await host?.close();
  host = undefined;
  await queues.getQueueClient("timer-runs").clearMessages();
});

afterAll(async () => {
  await azurite?.close();
  if (main) removeFixtureApp(main);
});

/** Starts the dev host with a fresh host id, so each test has its own schedule monitor rows. */
async function start(
  fastSchedule: string,
  hostId: string,
  appMain = main,
  more: Record<string, string> = {},
): Promise<DevHost> {
  host = await startDevHost({
    appMain,
    port: 0,
    storageConnectionString: azurite.connectionString,
    settings: {
      FAST_SCHEDULE: fastSchedule,
      AzureFunctionsWebHost__hostid: hostId,
      DEVHOST_API_KEY: "k",
      ...more,
    },
    durableFactory: createUnavailableDurableHost,
    disableQueues: true,
    log: createLogger({ level: "error", sink: () => undefined }),
  });
  return host;
}

const monitorFor = (hostId: string) =>
  new ScheduleMonitor(
    TableClient.fromConnectionString(azurite.connectionString, MONITOR_TABLE, {
      allowInsecureConnection: true,
    }),
    hostId,
  );

async function runs(): Promise<Run[]> {
  const res = await queues
    .getQueueClient("timer-runs")
    .receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
  return res.receivedMessageItems.map(
    (m) => JSON.parse(decodeQueueMessage(m.messageText, "base64") ?? "") as Run,
  );
}

/** Collects runs until there are at least `n` (within 10 s). */
async function atLeastRuns(n: number): Promise<Run[]> {
  const seen: Run[] = [];
  await eventually(
    async () => {
      seen.push(...(await runs()));
      return seen.length >= n ? true : undefined;
    },
    10_000,
    `${n} runs`,
  );
  return seen;
}

describe("dev host timer triggers", () => {
  it("admin API: POST /admin/functions/{name} runs a timer now (admin key), not past due", async () => {
    const h = await start(NEVER, `h${++hostCount}`, main, { DEVHOST_ADMIN_KEY: "admin-k" });
    const post = (name: string, key?: string) =>
      fetch(`${h.url}/admin/functions/${name}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(key ? { "x-functions-key": key } : {}) },
        body: "{}",
      });
    expect((await post("hourly")).status).toBe(401);
    expect((await post("hourly", "k")).status, "the function key is not enough").toBe(401);
    expect((await post("nosuch", "admin-k")).status).toBe(404);
    expect((await post("hourly", "admin-k")).status).toBe(202);
    const seen = await atLeastRuns(1);
    expect(seen.map((r) => [r.fn, r.timer.isPastDue])).toEqual([["hourly", false]]);
  });

  it("timer: a run missed while the host was down fires once at startup with isPastDue", async () => {
    const hostId = `h${++hostCount}`;
    const now = Date.now();
    const last = new Date(Math.floor(now / 3_600_000) * 3_600_000 - 3 * 3_600_000); // three hours ago, on the hour
    const missed = new Date(last.getTime() + 3_600_000);
    await monitorFor(hostId).set("hourly", { last, next: missed, lastUpdated: last });

    await start(NEVER, hostId);
    const seen = await eventually(
      async () => {
        const r = await runs();
        return r.length > 0 ? r : undefined;
      },
      10_000,
      "a run",
    );
    // The status moved on past now...
    const status = await eventually(
      async () => {
        const s = await monitorFor(hostId).get("hourly");
        return s?.last && s.last.getTime() > last.getTime() ? s : undefined;
      },
      5_000,
      "the updated status",
    );
    expect(status.next.getTime()).toBeGreaterThan(now);
    // ...and there was exactly one catch-up run for the two missed occurrences.
    await new Promise((r) => setTimeout(r, 700));
    seen.push(...(await runs()));
    expect(seen.map((r) => [r.fn, r.timer.isPastDue])).toEqual([["hourly", true]]);
  });

  it("timer: the past-due run receives the timer shape the library expects", async () => {
    const hostId = `h${++hostCount}`;
    const last = new Date(Date.now() - 2 * 3_600_000);
    last.setUTCMinutes(0, 0, 0);
    const missed = new Date(last.getTime() + 3_600_000);
    await monitorFor(hostId).set("hourly", { last, next: missed, lastUpdated: last });
    await start(NEVER, hostId);
    const [run] = await eventually(
      async () => {
        const r = await runs();
        return r.length > 0 ? r : undefined;
      },
      10_000,
      "a run",
    );
    expect(run.fn).toBe("hourly");
    expect(run.timer.isPastDue).toBe(true);
    expect(run.timer.schedule).toEqual({ adjustForDST: true });
    expect(run.timer.scheduleStatus?.last).toBe(last.toISOString());
    expect(run.timer.scheduleStatus?.next).toBe(missed.toISOString());
  });

  it("timer: nothing fires at startup when the next run is still ahead", async () => {
    const hostId = `h${++hostCount}`;
    const now = new Date();
    const future = new Date(Math.ceil(now.getTime() / 3_600_000) * 3_600_000);
    await monitorFor(hostId).set("hourly", {
      last: new Date(future.getTime() - 3_600_000),
      next: future,
      lastUpdated: now,
    });
    await start(NEVER, hostId);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await runs()).toEqual([]);
  });

  it("timer: a first start records the schedule status without firing", async () => {
    const hostId = `h${++hostCount}`;
    await start(NEVER, hostId);
    const status = await monitorFor(hostId).get("hourly");
    expect(status?.last).toBeUndefined();
    expect(status!.next.getUTCMinutes()).toBe(0);
    expect(status!.next.getTime()).toBeGreaterThan(Date.now());
    expect(await runs()).toEqual([]);
  });

  it("timer: a per-second schedule fires repeatedly, not past due, without a monitor status", async () => {
    const hostId = `h${++hostCount}`;
    await start("*/1 * * * * *", hostId);
    const seen = await atLeastRuns(2);
    expect(seen.every((r) => r.fn === "everySecond" && r.timer.isPastDue === false)).toBe(true);
    expect(seen[0].timer.scheduleStatus).toBeNull();
  });

  it("timer: AzureWebJobs.<name>.Disabled switches one timer off, the others keep firing", async () => {
    const hostId = `h${++hostCount}`;
    const last = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000);
    await monitorFor(hostId).set("hourly", {
      last,
      next: new Date(last.getTime() + 3_600_000),
      lastUpdated: last,
    });
    // "hourly" would catch up at startup; it is disabled, so only everySecond runs.
    await start("*/1 * * * * *", hostId, main, { "AzureWebJobs.hourly.Disabled": "true" });
    const seen = await atLeastRuns(2);
    expect(new Set(seen.map((r) => r.fn))).toEqual(new Set(["everySecond"]));
  });

  it("timer: a failing run is retried under the function's retry policy with a retry context", async () => {
    const retryMain = compileFixtureApp("timer-retry-app", {});
    try {
      await start(NEVER, `h${++hostCount}`, retryMain);
      const [run] = await eventually(
        async () => {
          const r = await runs();
          return r.length > 0 ? r : undefined;
        },
        10_000,
        "the successful attempt",
      );
      expect(run.fn).toBe("flaky");
      expect(run.retryContext).toMatchObject({
        retryCount: 2,
        maxRetryCount: 3,
        exception: { message: "attempt 1 fails" },
      });
      expect(run.timer.isPastDue).toBe(false);
    } finally {
      await host?.close();
      host = undefined;
      removeFixtureApp(retryMain);
    }
  });
});
