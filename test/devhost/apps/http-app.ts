/**
 * Test-only function app for the dev host's HTTP suite. Compiled to JS by test/devhost/fixture.ts and
 * loaded by the dev host exactly like the real app's compiled entry.
 */
import { app, HttpRequest, HttpResponse, InvocationContext } from "@azure/functions";
import * as df from "durable-functions";

app.http("items", {
  route: "items/{id:int}/{name?}",
  methods: ["GET"],
  authLevel: "function",
  handler: async (req: HttpRequest) => ({
    jsonBody: { id: req.params.id, name: req.params.name ?? null, q: req.query.get("q") },
  }),
});

app.http("itemsLiteral", {
  route: "items/special",
  methods: ["GET"],
  authLevel: "function",
  handler: async () => ({ jsonBody: { special: true } }),
});

app.http("echo", {
  route: "echo",
  methods: ["POST", "PUT"],
  authLevel: "anonymous",
  handler: async (req: HttpRequest, context: InvocationContext) => {
    context.log(`echo ${req.method}`);
    return new HttpResponse({
      status: 201,
      body: await req.text(),
      headers: { "x-echo-method": req.method },
      cookies: [{ name: "seen", value: "1", httpOnly: true }],
    });
  },
});

app.http("adminOnly", {
  route: "admin/thing",
  methods: ["GET"],
  authLevel: "admin",
  handler: async () => ({ status: 204 }),
});

app.http("defaultRoute", {
  methods: ["GET"],
  authLevel: "anonymous",
  handler: async () => ({ body: "by name" }),
});

app.http("boom", {
  route: "boom",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: async () => {
    throw new Error("deliberate failure");
  },
});

app.http("clientData", {
  route: "client",
  methods: ["GET"],
  authLevel: "anonymous",
  extraInputs: [df.input.durableClient()],
  handler: async (req: HttpRequest, context: InvocationContext) => {
    const client = df.getClient(context);
    return client.createCheckStatusResponse(req, "abc123");
  },
});
