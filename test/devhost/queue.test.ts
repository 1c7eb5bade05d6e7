import { QueueServiceClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AzuriteHandle } from "../../local/host/azurite";
import { createUnavailableDurableHost } from "../../local/host/durable-wiring";
import { createLogger } from "../../local/host/log";
import { startDevHost, type DevHost } from "../../local/host/main";
import { decodeQueueMessage, encodeQueueMessage } from "../../local/host/queue/encoding";
import { compileFixtureApp, eventually, removeFixtureApp, startTestAzurite } from "./fixture";

let azurite: AzuriteHandle;
let host: DevHost;
let main: string;
let queues: QueueServiceClient;
const lines: string[] = [];

beforeAll(async () => {
  azurite = await startTestAzurite();
  queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
  main = compileFixtureApp("queue-app", {
    extensions: {
      queues: {
        maxDequeueCount: 3,
        visibilityTimeout: "00:00:00",
        maxPollingInterval: "00:00:00.200",
        batchSize: 4,
      },
    },
  });
  host = await startDevHost({
    appMain: main,
    port: 0,
    storageConnectionString: azurite.connectionString,
    settings: { BAD_QUEUE: "bad-jobs", DEVHOST_API_KEY: "k" },
    durableFactory: createUnavailableDurableHost,
    disableTimers: true,
    log: createLogger({ level: "info", sink: (_l, line) => void lines.push(line) }),
  });
});

afterAll(async () => {
  await host?.close();
  await azurite?.close();
  if (main) removeFixtureApp(main);
});

/** Receives everything visible on a queue (decoding base64), leaving it invisible for a minute. */
async function drain(name: string): Promise<string[]> {
  const queue = queues.getQueueClient(name);
  if (!(await queue.exists())) return [];
  const res = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
  return res.receivedMessageItems.map((m) => m.messageText);
}

describe("dev host queue triggers", () => {
  it("queue: a good message runs once, decoded from base64, with its dequeue count", async () => {
    await queues
      .getQueueClient("jobs")
      .sendMessage(encodeQueueMessage(JSON.stringify({ vm: "a" }), "base64"));
    const seen = await eventually(
      async () => {
        const got = await drain("jobs-seen");
        return got.length > 0 ? got : undefined;
      },
      15_000,
      "the output message",
    );
    expect(seen).toHaveLength(1);
    expect(JSON.parse(decodeQueueMessage(seen[0], "base64") ?? "")).toEqual({
      message: { vm: "a" },
      dequeueCount: 1,
    });
    // Deleted after success: nothing left to run again.
    const props = await queues.getQueueClient("jobs").getProperties();
    expect(props.approximateMessagesCount).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(await drain("jobs-seen")).toHaveLength(0);
  });

  it("queue: a message that always fails lands in -poison after maxDequeueCount", async () => {
    const text = encodeQueueMessage("doomed", "base64");
    await queues.getQueueClient("bad-jobs").sendMessage(text);
    const poisoned = await eventually(
      async () => {
        const got = await drain("bad-jobs-poison");
        return got.length > 0 ? got : undefined;
      },
      20_000,
      "the poison message",
    );
    expect(poisoned).toEqual([text]);
    // It ran maxDequeueCount (3) times before it was moved.
    const attempts = lines.filter((l) => /badJob failed on message .* \(dequeue count \d\)/.test(l));
    expect(attempts.map((l) => /dequeue count (\d)/.exec(l)?.[1])).toEqual(["1", "2", "3"]);
    const props = await queues.getQueueClient("bad-jobs").getProperties();
    expect(props.approximateMessagesCount).toBe(0);
  });

  it("queue: a message that is not base64 goes straight to -poison", async () => {
    await queues.getQueueClient("jobs").sendMessage("not base64!");
    const poisoned = await eventually(
      async () => {
        const got = await drain("jobs-poison");
        return got.length > 0 ? got : undefined;
      },
      15_000,
      "the poison message",
    );
    expect(poisoned).toEqual(["not base64!"]);
    expect(await drain("jobs-seen")).toHaveLength(0);
  });
});
