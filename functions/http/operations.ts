/** GET /api/v1/operations?claw=&status=&limit= and GET /api/v1/operations/{id} (steps + live status). */
import { app, type HttpRequest, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { describeOperation, listOperations } from "../../core/commands";
import { clawNameSchema } from "../../core/domain/names";
import { parseOrThrow } from "../../core/domain/validation";
import { requireResourceId } from "../../core/domain/ids";
import { productionDeps, route, type DepsProvider } from "./deps";
import { limitQuery } from "./request";
import { conditionalJson } from "./conditional";

export function createOperationHandlers(deps: DepsProvider) {
  const operationsList = route("operationsList", async (req: HttpRequest, context: InvocationContext) => {
    const claw = req.query.get("claw");
    const operations = await listOperations(deps(context), {
      claw: claw === null ? undefined : parseOrThrow(clawNameSchema, claw, "query parameter claw"),
      status: req.query.get("status") ?? undefined,
      limit: limitQuery(req, "limit", 1000),
    });
    return conditionalJson(req, { operations });
  });

  const operationItem = route("operationItem", async (req: HttpRequest, context: InvocationContext) => {
    const id = requireResourceId(req.params.id ?? "", "operation id");
    return conditionalJson(req, await describeOperation(deps(context), id));
  });

  return { operationsList, operationItem };
}

const handlers = createOperationHandlers(productionDeps);

app.http("operationsList", {
  route: "v1/operations",
  methods: ["GET"],
  authLevel: "function",
  handler: handlers.operationsList,
});
app.http("operationItem", {
  route: "v1/operations/{id}",
  methods: ["GET"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: handlers.operationItem,
});
