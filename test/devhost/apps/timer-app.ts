/**
 * Test-only function app for the dev host's timer suite: every timer invocation is reported to the
 * output queue "timer-runs" so the test can see what the function received.
 */
import { app, InvocationContext, output, Timer } from "@azure/functions";

const runs = output.storageQueue({ queueName: "timer-runs", connection: "AzureWebJobsStorage" });

app.timer("hourly", {
  schedule: "0 0 * * * *",
  extraOutputs: [runs],
  handler: async (timer: Timer, context: InvocationContext) => {
    context.extraOutputs.set(runs, { fn: "hourly", timer });
  },
});

app.timer("everySecond", {
  schedule: "%FAST_SCHEDULE%",
  extraOutputs: [runs],
  handler: async (timer: Timer, context: InvocationContext) => {
    context.extraOutputs.set(runs, { fn: "everySecond", timer });
  },
});
