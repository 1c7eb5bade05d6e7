import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { z } from "zod";
import type { CommandDeps, SagaAccepted } from "../../core/commands";
import type { acceptedSchema } from "../../core/openapi/schemas";
import { json } from "./respond";

/** Body of a 202: where to follow the long-running operation (the document's Accepted schema). */
export type AcceptedBody = z.output<typeof acceptedSchema>;

/**
 * 202 Accepted with the operation's status URL (also in Location). A repeated request reports the
 * operation's current status, which may have ended since.
 */
export async function acceptedResponse(
  req: HttpRequest,
  deps: CommandDeps,
  result: SagaAccepted,
): Promise<HttpResponseInit> {
  const statusUrl = new URL(result.statusPath, req.url).href;
  const status = result.duplicate
    ? ((await deps.state.operations.get(result.operationId))?.status ?? "running")
    : "running";
  const body: AcceptedBody = {
    operationId: result.operationId,
    status,
    statusUrl,
    kind: result.kind,
    claw: result.claw,
    duplicate: result.duplicate,
  };
  return json(202, body, { Location: statusUrl, "Retry-After": "5" });
}
