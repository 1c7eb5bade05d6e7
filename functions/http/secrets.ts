/**
 * A claw's secrets and access password:
 *   GET    /api/v1/claws/{name}/secrets                  names, versions, last delivery (never values)
 *   PUT    /api/v1/claws/{name}/secrets/{key} {"value"}  store a new version; delivered at once when running
 *   DELETE /api/v1/claws/{name}/secrets/{key}            remove the claw's own value
 *   GET    /api/v1/claws/{name}/access-password          the password for SSH, RDP and Sunshine (audited)
 *   POST   /api/v1/claws/{name}/access-password/rotate   a new one, delivered like a secret
 * Thin: parse, hand on to core/secrets/claw-secrets.
 */
import { app, type HttpRequest, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { appRoot } from "../../core/app";
import { createClawSecretsService } from "../../core/secrets/claw-secrets";
import { clawParam } from "./claws";
import { productionDeps, route, type DepsProvider } from "./deps";
import { envelopeOf, readObjectBody } from "./request";
import { json } from "./respond";

export function createSecretsHandlers(deps: DepsProvider, store = () => appRoot().secrets()) {
  const service = (context: InvocationContext) =>
    createClawSecretsService({ ...deps(context), secrets: store() });
  const origin = (req: HttpRequest) => {
    const e = envelopeOf(req);
    return { channel: e.channel, principal: e.principal };
  };
  const keyParam = (req: HttpRequest) => req.params.key ?? "";

  const clawSecrets = route("clawSecrets", async (req, context) =>
    json(200, await service(context).list(clawParam(req))),
  );

  const clawSecret = route("clawSecret", async (req, context) => {
    const claw = clawParam(req);
    if (req.method === "PUT") {
      const body = await readObjectBody(req, `{"value": "..."} for ${keyParam(req).slice(0, 64)}`, true);
      return json(200, await service(context).put(claw, keyParam(req), body, origin(req)));
    }
    return json(200, await service(context).remove(claw, keyParam(req), origin(req)));
  });

  const accessPassword = route("accessPassword", async (req, context) =>
    json(200, await service(context).readAccessPassword(clawParam(req), origin(req)), {
      "Cache-Control": "no-store",
    }),
  );

  const rotateAccessPassword = route("rotateAccessPassword", async (req, context) =>
    json(200, await service(context).rotateAccessPassword(clawParam(req), origin(req))),
  );

  return { clawSecrets, clawSecret, accessPassword, rotateAccessPassword };
}

const handlers = createSecretsHandlers(productionDeps);

app.http("clawSecrets", {
  route: "v1/claws/{name}/secrets",
  methods: ["GET"],
  authLevel: "function",
  handler: handlers.clawSecrets,
});
app.http("clawSecret", {
  route: "v1/claws/{name}/secrets/{key}",
  methods: ["PUT", "DELETE"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: handlers.clawSecret,
});
app.http("accessPassword", {
  route: "v1/claws/{name}/access-password",
  methods: ["GET"],
  authLevel: "function",
  handler: handlers.accessPassword,
});
app.http("rotateAccessPassword", {
  route: "v1/claws/{name}/access-password/rotate",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: handlers.rotateAccessPassword,
});
