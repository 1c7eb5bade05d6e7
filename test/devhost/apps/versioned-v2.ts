/**
 * Test-only function app, version N+1 deployed by the versioning rule (docs/versioning.md): the
 * changed saga gets a new name (`provisionWidgetV2`, which adds stepC), and version N's orchestrator
 * stays registered, unchanged, until its instances drain. Activities keep their contracts.
 */
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";

// Version N, kept verbatim while instances started on it are in flight.
df.app.orchestration("provisionWidget", function* (context: OrchestrationContext) {
  const a: unknown = yield context.df.callActivity("stepA", context.df.getInput());
  yield context.df.waitForExternalEvent("go");
  const b: unknown = yield context.df.callActivity("stepB", a);
  return `v1:${String(b)}`;
});

df.app.orchestration("provisionWidgetV2", function* (context: OrchestrationContext) {
  const a: unknown = yield context.df.callActivity("stepA", context.df.getInput());
  const c: unknown = yield context.df.callActivity("stepC", a);
  yield context.df.waitForExternalEvent("go");
  const b: unknown = yield context.df.callActivity("stepB", c);
  return `v2:${String(b)}`;
});

df.app.activity("stepA", { handler: async (x: unknown) => `a(${String(x)})` });
df.app.activity("stepB", { handler: async (x: unknown) => `b(${String(x)})` });
df.app.activity("stepC", { handler: async (x: unknown) => `c(${String(x)})` });
