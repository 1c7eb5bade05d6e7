/**
 * Test-only function app: a timer that runs on startup and fails until its second retry; it reports
 * the retry context of the attempt that succeeded to the output queue "timer-runs".
 */
import { app, InvocationContext, output, Timer } from "@azure/functions";

const runs = output.storageQueue({ queueName: "timer-runs", connection: "AzureWebJobsStorage" });

app.timer("flaky", {
  schedule: "0 0 0 1 1 *",
  runOnStartup: true,
  retry: { strategy: "fixedDelay", maxRetryCount: 3, delayInterval: { seconds: 0 } },
  extraOutputs: [runs],
  handler: async (timer: Timer, context: InvocationContext) => {
    const retryCount = context.retryContext?.retryCount ?? -1;
    if (retryCount < 2) throw new Error(`attempt ${retryCount} fails`);
    context.extraOutputs.set(runs, { fn: "flaky", timer, retryContext: context.retryContext });
  },
});
