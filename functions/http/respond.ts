/**
 * The HTTP edge: the one place a ClawError becomes a status and `{ error: { code, message } }`.
 * Unexpected errors answer 500 with a generic message; their detail goes to the log only.
 */
import type { HttpResponseInit, InvocationContext } from "@azure/functions";
import type { z } from "zod";
import { isClawError } from "../../core/errors";
import type { errorSchema } from "../../core/openapi/schemas";

/** The body of every refusal (the document's Error schema). */
export type ErrorBody = z.output<typeof errorSchema>;

/** A JSON response. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers };
}

/** Maps any thrown value to a response; logs what the caller must not see. */
export function errorResponse(e: unknown, context: InvocationContext): HttpResponseInit {
  if (isClawError(e) && e.code !== "INTERNAL") {
    const body: ErrorBody = { error: { code: e.code, message: e.message } };
    const operationId = e.details?.operationId;
    if (typeof operationId === "string") body.error.operationId = operationId;
    if (e.httpStatus >= 500) context.warn(`answered ${e.httpStatus} ${e.code}: ${e.message}`);
    return json(e.httpStatus, body, e.retryable ? { "Retry-After": "5" } : {});
  }
  context.error(`unexpected error in ${context.functionName} (invocation ${context.invocationId})`, e);
  const retryable = isClawError(e) && e.retryable;
  const body: ErrorBody = {
    error: {
      code: "INTERNAL",
      message: retryable
        ? `a temporary failure; try again (invocation ${context.invocationId})`
        : `an internal error; the details are in the log (invocation ${context.invocationId})`,
    },
  };
  const operationId = isClawError(e) ? e.details?.operationId : undefined;
  if (typeof operationId === "string") body.error.operationId = operationId;
  return json(500, body, retryable ? { "Retry-After": "5" } : {});
}
