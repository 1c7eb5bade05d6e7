/** Building blocks of the OpenAPI document's paths: references, parameters, error responses. */
import { CLAW_NAME_PATTERN } from "../domain/names";

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const jsonContent = (name: string) => ({ "application/json": { schema: ref(name) } });
export const json = (schema: Record<string, unknown>) => ({ "application/json": { schema } });
export const error = (description: string) => ({ description, content: jsonContent("Error") });

/** A JSON response with a component schema. */
export const ok = (description: string, schema: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: jsonContent(schema),
});

/** What every authenticated route may answer, besides its own refusals. */
const ALWAYS = {
  "401": error(
    "Missing or wrong function key (the dev host answers an Error body; Azure's host an empty one)",
  ),
  "500": error("Internal error: the message names the invocation, the details are only in the log"),
};

/** What every route that reads a JSON body may answer. */
export const BODY_REFUSALS = {
  "400": "BAD_REQUEST: the body is not JSON, not an object, or a field is wrong (the message names it)",
  "413": "PAYLOAD_TOO_LARGE: the body is over 64 KB",
  "415": "UNSUPPORTED_MEDIA_TYPE: send the body with Content-Type: application/json",
};

/** The route's own refusals (status → what the handler answers it for) plus 401 and 500. */
export function errors(own: Record<string, string> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, description] of Object.entries(own)) out[status] = error(description);
  return { ...out, ...ALWAYS };
}

export const nameParam = {
  name: "name",
  in: "path",
  required: true,
  description: "Claw name",
  schema: { type: "string", pattern: CLAW_NAME_PATTERN },
};

export const idempotencyKey = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description: "Request id: a repeat with the same key answers the same operation and starts nothing new",
  schema: { type: "string", pattern: "^[A-Za-z0-9._:-]{1,128}$" },
};

/** An optional whole-number query parameter from 1 to `max` (limitQuery in the handlers). */
export const countQuery = (name: string, max: number, description: string, dflt?: number) => ({
  name,
  in: "query",
  required: false,
  description,
  schema: { type: "integer", minimum: 1, maximum: max, ...(dflt === undefined ? {} : { default: dflt }) },
});

/** The ETag/304 behaviour of read routes the console polls (functions/http/conditional.ts). */
export const conditionalRead = {
  parameters: [
    {
      name: "If-None-Match",
      in: "header",
      required: false,
      description: "The ETag of an earlier answer: 304 with no body while nothing changed",
      schema: { type: "string" },
    },
  ],
  notModified: {
    "304": { description: "Not modified since the ETag in If-None-Match", headers: etagHeader() },
  },
  headers: etagHeader(),
};

function etagHeader() {
  return { ETag: { schema: { type: "string" }, description: "A strong ETag of the body" } };
}

/** A claw name in the path fails the name's pattern: 400 before anything is read. */
export const BAD_NAME = "BAD_REQUEST: the claw name in the URL is not a valid name";
