/**
 * /api/v1/claws and /api/v1/claws/{name}: list, create, read, update the spec, destroy.
 * Thin: each route builds a command (or a read) and hands it to core/commands.
 */
import { app, type HttpRequest, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { clawView, handleCommand, type SagaAccepted, type SyncApplied } from "../../core/commands";
import { clawNameSchema } from "../../core/domain/names";
import { parseOrThrow } from "../../core/domain/validation";
import { acceptedResponse } from "./accepted";
import { productionDeps, route, type DepsProvider } from "./deps";
import { booleanQuery, envelopeOf, readCommandParts, readObjectBody } from "./request";
import { json } from "./respond";
import { conditionalJson } from "./conditional";

/** Path of a claw under the API. */
export const clawPath = (name: string) => `/api/v1/claws/${encodeURIComponent(name)}`;

/** The claw name of the route, validated (400 says what is wrong with it). */
export function clawParam(req: HttpRequest): string {
  return parseOrThrow(clawNameSchema, req.params.name ?? "", "claw name in the URL");
}

export function createClawsHandlers(deps: DepsProvider) {
  /** GET lists every claw; POST creates one from a spec (201, Location). */
  const clawsCollection = route("clawsCollection", async (req: HttpRequest, context: InvocationContext) => {
    const d = deps(context);
    if (req.method === "GET") {
      const claws = await d.state.claws.list();
      return conditionalJson(req, { claws: claws.map(clawView) });
    }
    const { spec, envelope } = await readCommandParts(req, d, { kind: "createClaw" }, async () => ({
      envelope: envelopeOf(req),
      spec: await readObjectBody(req, "a claw spec", true),
    }));
    const res = (await handleCommand(d, { kind: "createClaw", ...envelope, spec })) as SyncApplied;
    const location = new URL(clawPath(res.claw), req.url).href;
    return json(res.duplicate ? 200 : 201, clawView(res.record), { Location: location });
  });

  /** GET reads a claw; PATCH changes its spec; DELETE destroys it (the disk only with ?deleteDisk=true). */
  const clawItem = route("clawItem", async (req: HttpRequest, context: InvocationContext) => {
    const d = deps(context);
    const name = clawParam(req);
    if (req.method === "GET") return conditionalJson(req, clawView(await d.state.claws.require(name)));
    if (req.method === "PATCH") {
      const patch = await readObjectBody(req, "the spec fields to change", true);
      const res = (await handleCommand(d, {
        kind: "updateSpec",
        claw: name,
        ...envelopeOf(req),
        patch,
      })) as SyncApplied;
      return json(200, clawView(res.record));
    }
    const deleteDisk = booleanQuery(req, "deleteDisk");
    const cmd = {
      kind: "destroy",
      claw: name,
      ...envelopeOf(req),
      ...(deleteDisk === undefined ? {} : { deleteDisk }),
    };
    return acceptedResponse(req, d, (await handleCommand(d, cmd)) as SagaAccepted);
  });

  return { clawsCollection, clawItem };
}

const handlers = createClawsHandlers(productionDeps);

app.http("clawsCollection", {
  route: "v1/claws",
  methods: ["GET", "POST"],
  authLevel: "function",
  handler: handlers.clawsCollection,
});
app.http("clawItem", {
  route: "v1/claws/{name}",
  methods: ["GET", "PATCH", "DELETE"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: handlers.clawItem,
});
