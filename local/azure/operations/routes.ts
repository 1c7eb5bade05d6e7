/**
 * Status (Azure-AsyncOperation) and monitor (Location) URLs of async operations, per provider.
 */
import type { EmulatorContext } from "../context";
import type { Route } from "../arm/router";

export function operationRoutes(ctx: EmulatorContext): Route[] {
  const routes: Route[] = [];
  for (const [provider, collection] of [
    ["Microsoft.Compute", "operations"],
    ["Microsoft.Compute", "DiskOperations"],
    ["Microsoft.Network", "operations"],
  ]) {
    routes.push({
      method: "GET",
      template: `/subscriptions/:subscriptionId/providers/${provider}/locations/:location/${collection}/:operationName`,
      operationId: `${provider.split(".")[1]}_GetOperation`,
      limit: (req) =>
        provider === "Microsoft.Compute"
          ? {
              policy: "GetOperation",
              resourceId: ctx.store.getOperation(req.params.operationName)?.resourceId,
            }
          : undefined,
      handler: (req) => ctx.ops.handleStatus(req),
    });
  }
  return routes;
}
