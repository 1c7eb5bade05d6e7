import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { CommandDeps, SagaAccepted } from "../../core/commands";
import { json } from "./respond";

/** Body of a 202: where to follow the long-running operation. */
export interface AcceptedBody {
  operationId: string;
  status: string;
  statusUrl: string;
  kind: string;
  claw: string;
  /** True when the Idempotency-Key was seen before (no second saga was started). */
  duplicate: boolean;
}

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
