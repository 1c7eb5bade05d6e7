/**
 * Test-only function app, version N of a deploy: `provisionWidget` runs stepA, waits for the
 * "go" event, then runs stepB. The deploy test stops the dev host while instances wait.
 */
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";

df.app.orchestration("provisionWidget", function* (context: OrchestrationContext) {
  const a: unknown = yield context.df.callActivity("stepA", context.df.getInput());
  yield context.df.waitForExternalEvent("go");
  const b: unknown = yield context.df.callActivity("stepB", a);
  return `v1:${String(b)}`;
});

df.app.activity("stepA", { handler: async (x: unknown) => `a(${String(x)})` });
df.app.activity("stepB", { handler: async (x: unknown) => `b(${String(x)})` });
