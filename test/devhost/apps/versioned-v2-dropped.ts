/**
 * Test-only function app: version N+1 that dropped version N's orchestrator before its instances
 * drained (against the versioning rule). They cannot run on: the dev host fails them, naming it.
 */
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";

df.app.orchestration("provisionWidgetV2", function* (context: OrchestrationContext) {
  const a: unknown = yield context.df.callActivity("stepA", context.df.getInput());
  yield context.df.waitForExternalEvent("go");
  return `v2:${String(a)}`;
});

df.app.activity("stepA", { handler: async (x: unknown) => `a(${String(x)})` });
