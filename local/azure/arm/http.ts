/**
 * The request and response shapes every service handler works with, independent of node:http.
 */
import type { IncomingHttpHeaders } from "node:http";
import { badRequest } from "./errors";
import type { FaultEffect } from "./faults";

export interface ArmRequest {
  method: string;
  /** Decoded path, without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when there was none. */
  body: unknown;
  /** Named segments captured by the route pattern. */
  params: Record<string, string>;
  /** scheme://host[:port] the client addressed; async-operation URLs are built on it. */
  baseUrl: string;
  /** The ARM operation id of the matched route, e.g. "VirtualMachines_CreateOrUpdate". */
  operationId: string;
  /** A fault rule that asks the operation this request starts to fail or hang. */
  operationFault?: Extract<FaultEffect, { type: "failOperation" | "neverComplete" }>;
}

export interface ArmResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON-serialised unless undefined (then the body is empty). */
  body?: unknown;
}

export type Handler = (req: ArmRequest) => ArmResponse | Promise<ArmResponse>;

/** A JSON object body or a 400 the way ARM words it. */
export function objectBody(req: ArmRequest): Record<string, unknown> {
  if (
    req.body === undefined ||
    req.body === null ||
    typeof req.body !== "object" ||
    Array.isArray(req.body)
  ) {
    throw badRequest(
      "InvalidRequestContent",
      "The request content was invalid and could not be deserialized: a JSON object was expected.",
    );
  }
  return req.body as Record<string, unknown>;
}

export function ok(body: unknown, status = 200, headers: Record<string, string> = {}): ArmResponse {
  return { status, body, headers };
}
