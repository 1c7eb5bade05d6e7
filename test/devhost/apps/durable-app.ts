/**
 * Test-only function app for the dev host's durable wiring suite: an HTTP starter with a durable
 * client, one orchestration, one activity.
 */
import { app, HttpRequest, InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";

df.app.orchestration("greetOrchestration", function* (context: OrchestrationContext) {
  const greeting: unknown = yield context.df.callActivity("greet", context.df.getInput());
  return greeting;
});

df.app.activity("greet", { handler: async (name: unknown) => `hello ${String(name)}` });

app.http("startGreeting", {
  route: "greetings/{name}",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: async (req: HttpRequest, context: InvocationContext) => {
    const client = df.getClient(context);
    const id = await client.startNew("greetOrchestration", { input: req.params.name });
    return client.createCheckStatusResponse(req, id);
  },
});
