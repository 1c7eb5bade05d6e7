/**
 * Driving one pipeline policy without a network: a request through the policy to a reply the test
 * writes (the gateway's poll pacing and request budget suites).
 */
import {
  createHttpHeaders,
  createPipelineRequest,
  type HttpMethods,
  type PipelinePolicy,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";

/** An answer to `request` with these headers and, when given, this body text. */
export function answer(
  request: PipelineRequest,
  status: number,
  headers: Record<string, string> = {},
  body?: string,
): PipelineResponse {
  return {
    request,
    status,
    headers: createHttpHeaders(headers),
    ...(body !== undefined ? { bodyAsText: body } : {}),
  };
}

/** Sends `method url` through `policy` alone; `reply` answers in place of the rest of the pipeline. */
export function sendThrough(
  policy: PipelinePolicy,
  method: HttpMethods,
  url: string,
  reply: (r: PipelineRequest) => PipelineResponse | Promise<PipelineResponse>,
): Promise<PipelineResponse> {
  return policy.sendRequest(createPipelineRequest({ url, method }), async (r) => reply(r));
}
