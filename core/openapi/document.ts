/**
 * The OpenAPI 3.1 document of /api/v1, generated from the same zod schemas the handlers validate
 * with (see schemas.ts), so the document cannot drift from what the API accepts.
 */
import { componentJsonSchemas } from "./schemas";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (name: string) => ({ "application/json": { schema: ref(name) } });
const error = (description: string) => ({ description, content: jsonContent("Error") });

const ERRORS = {
  "400": error("Bad input: the message says which field and what to fix"),
  "401": error("Missing or wrong function key"),
  "404": error("No such claw or operation"),
  "413": error("Body over 64 KB"),
  "500": error("Internal error (details only in the log)"),
};

const accepted = {
  "202": {
    description: "Accepted: the saga runs; follow statusUrl (also in Location)",
    headers: { Location: { schema: { type: "string" } } },
    content: jsonContent("Accepted"),
  },
  "409": error("CLAW_BUSY: another operation holds the claw (error.operationId names it)"),
};

const nameParam = {
  name: "name",
  in: "path",
  required: true,
  description: "Claw name",
  schema: { type: "string", pattern: "^[a-z]([a-z0-9-]{0,46}[a-z0-9])?$" },
};

const idempotencyKey = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description: "Request id: a repeat with the same key answers the same operation and starts nothing new",
  schema: { type: "string", pattern: "^[A-Za-z0-9._:-]{1,128}$" },
};

function action(name: string, summary: string, body?: string) {
  return {
    post: {
      operationId: `${name}Claw`,
      summary,
      parameters: [nameParam, idempotencyKey],
      ...(body ? { requestBody: { required: name === "upgrade", content: jsonContent(body) } } : {}),
      responses: { ...accepted, ...ERRORS },
    },
  };
}

function paths() {
  return {
    "/claws": {
      get: {
        operationId: "listClaws",
        summary: "List claws",
        responses: { "200": { description: "Claws", content: jsonContent("ClawList") }, ...ERRORS },
      },
      post: {
        operationId: "createClaw",
        summary: "Create a claw (desired state only; deploy starts it)",
        parameters: [idempotencyKey],
        requestBody: { required: true, content: jsonContent("ClawSpec") },
        responses: {
          "201": { description: "Created", content: jsonContent("Claw") },
          "200": { description: "Repeated Idempotency-Key: the claw as it is", content: jsonContent("Claw") },
          "409": error("CLAW_EXISTS"),
          ...ERRORS,
        },
      },
    },
    "/claws/{name}": {
      get: {
        operationId: "getClaw",
        summary: "A claw: spec and observed state",
        parameters: [nameParam],
        responses: { "200": { description: "The claw", content: jsonContent("Claw") }, ...ERRORS },
      },
      patch: {
        operationId: "updateClawSpec",
        summary: "Change the desired spec (vmSize, schedule, tags, ...)",
        parameters: [nameParam, idempotencyKey],
        requestBody: { required: true, content: jsonContent("ClawSpecPatch") },
        responses: { "200": { description: "The updated claw", content: jsonContent("Claw") }, ...ERRORS },
      },
      delete: {
        operationId: "destroyClaw",
        summary:
          "Destroy the claw's VM, NIC and IP; the data disk only with deleteDisk=true (after a final snapshot)",
        parameters: [
          nameParam,
          idempotencyKey,
          { name: "deleteDisk", in: "query", required: false, schema: { type: "boolean" } },
        ],
        responses: { ...accepted, ...ERRORS },
      },
    },
    "/claws/{name}/deploy": action(
      "deploy",
      "Deploy: data disk, NIC/IP, VM from the gallery version, secrets, verify",
      "DeployBody",
    ),
    "/claws/{name}/upgrade": action(
      "upgrade",
      "Upgrade to an image version, keeping the data disk",
      "UpgradeBody",
    ),
    "/claws/{name}/refresh": action(
      "refresh",
      "Refresh: the current image version on a fresh VM with the current app layer and runtime, keeping the data disk",
    ),
    "/claws/{name}/park": action(
      "park",
      "Park (deallocate); waits for a mid-task agent unless force",
      "ParkBody",
    ),
    "/claws/{name}/wake": action("wake", "Wake (start and verify)", "WakeBody"),
    "/claws/{name}/verify": action("verify", "Run verify.sh on the claw"),
    "/claws/{name}/logs": {
      get: {
        operationId: "getClawLogs",
        summary: "The last lines of a running claw's log, read over SSH, secrets redacted",
        parameters: [
          nameParam,
          {
            name: "source",
            in: "query",
            required: false,
            schema: { enum: ["boot", "gateway", "updates", "verify"] },
          },
          {
            name: "lines",
            in: "query",
            required: false,
            schema: { type: "integer", minimum: 1, maximum: 2000 },
          },
        ],
        responses: {
          "200": { description: "{claw, source, lines: string[], readAt}" },
          "409": error("CONFLICT: the claw is parked or not deployed; wake (or deploy) it first"),
          ...ERRORS,
        },
      },
    },
    "/operations": {
      get: {
        operationId: "listOperations",
        summary: "Operations, newest first",
        parameters: [
          { name: "claw", in: "query", required: false, schema: { type: "string" } },
          {
            name: "status",
            in: "query",
            required: false,
            schema: { enum: ["running", "succeeded", "failed", "compensated"] },
          },
          {
            name: "limit",
            in: "query",
            required: false,
            schema: { type: "integer", minimum: 1, maximum: 1000 },
          },
        ],
        responses: { "200": { description: "Operations", content: jsonContent("OperationList") }, ...ERRORS },
      },
    },
    "/operations/{id}": {
      get: {
        operationId: "getOperation",
        summary: "One operation with its steps and, while it runs, the saga's live status",
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": { description: "The operation", content: jsonContent("Operation") }, ...ERRORS },
      },
    },
    "/images": {
      get: {
        operationId: "listImages",
        summary: "Known gallery image versions, newest first",
        responses: { "200": { description: "Images", content: jsonContent("ImageList") }, ...ERRORS },
      },
    },
    "/openapi.json": {
      get: {
        operationId: "getOpenApi",
        summary: "This document",
        responses: { "200": { description: "OpenAPI 3.1 document" } },
      },
    },
  };
}

let cached: Record<string, unknown> | undefined;

/** The OpenAPI 3.1 document; `serverUrl` is the API base (e.g. https://host/api/v1). */
export function openApiDocument(serverUrl = "/api/v1"): Record<string, unknown> {
  cached ??= {
    openapi: "3.1.0",
    info: {
      title: "OpenClawps control plane",
      version: "1.0.0",
      description:
        "Deploy, upgrade, park, wake, verify and destroy claws. Long work answers 202 with an operation to follow. " +
        "Every command is also accepted as a JSON message (ClawCommand) on the claw-commands queue.",
    },
    security: [{ functionKey: [] }, { functionKeyQuery: [] }],
    paths: paths(),
    components: {
      schemas: componentJsonSchemas(),
      securitySchemes: {
        functionKey: { type: "apiKey", in: "header", name: "x-functions-key" },
        functionKeyQuery: { type: "apiKey", in: "query", name: "code" },
      },
    },
  };
  return { ...cached, servers: [{ url: serverUrl }] };
}
