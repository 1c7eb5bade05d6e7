/**
 * Test-only function app for the dev host's queue suite: one function that succeeds and forwards
 * what it saw to an output queue, one that always fails.
 */
import { app, InvocationContext, output } from "@azure/functions";

const seen = output.storageQueue({ queueName: "jobs-seen", connection: "AzureWebJobsStorage" });

app.storageQueue("goodJob", {
  queueName: "jobs",
  connection: "AzureWebJobsStorage",
  extraOutputs: [seen],
  handler: async (message: unknown, context: InvocationContext) => {
    context.extraOutputs.set(seen, { message, dequeueCount: context.triggerMetadata?.dequeueCount });
  },
});

app.storageQueue("badJob", {
  queueName: "%BAD_QUEUE%",
  connection: "AzureWebJobsStorage",
  handler: async () => {
    throw new Error("this job always fails");
  },
});
