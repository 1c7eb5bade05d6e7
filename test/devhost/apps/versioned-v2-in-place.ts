/**
 * Test-only function app: version N+1 deployed against the versioning rule, the orchestrator
 * changed in place (stepC inserted before the wait). Instances started on version N no longer
 * replay: the dev host must fail them loudly, as the Durable extension does.
 */
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";

df.app.orchestration("provisionWidget", function* (context: OrchestrationContext) {
  const a: unknown = yield context.df.callActivity("stepA", context.df.getInput());
  const c: unknown = yield context.df.callActivity("stepC", a);
  yield context.df.waitForExternalEvent("go");
  const b: unknown = yield context.df.callActivity("stepB", c);
  return `v2:${String(b)}`;
});

df.app.activity("stepA", { handler: async (x: unknown) => `a(${String(x)})` });
df.app.activity("stepB", { handler: async (x: unknown) => `b(${String(x)})` });
df.app.activity("stepC", { handler: async (x: unknown) => `c(${String(x)})` });
