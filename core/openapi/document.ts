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

const json = (schema: Record<string, unknown>) => ({ "application/json": { schema } });
const keyParam = {
  name: "key",
  in: "path",
  required: true,
  schema: { type: "string", pattern: "^[A-Z_][A-Z0-9_]*$" },
};
const delivery = {
  type: "object",
  description:
    "started: a verify operation delivers the change now (operationId); on-wake: the claw is parked or not deployed; after-operation: the claw is busy",
  properties: {
    state: { enum: ["started", "on-wake", "after-operation"] },
    operationId: { type: "string" },
    message: { type: "string" },
  },
};

/** A claw's secrets (write-only values) and access password. */
function secretPaths() {
  return {
    "/claws/{name}/secrets": {
      get: {
        operationId: "listClawSecrets",
        summary: "Names, versions and last delivery of the claw's secrets (never values)",
        parameters: [nameParam],
        responses: { "200": { description: "The secrets", content: json({ type: "object" }) }, ...ERRORS },
      },
    },
    "/claws/{name}/secrets/{key}": {
      put: {
        operationId: "putClawSecret",
        summary:
          "Store a new version of a secret (provider API keys, TELEGRAM_BOT_TOKEN, BRIGHTDATA_API_TOKEN, TAILSCALE_AUTHKEY, or one in EXTRA_SECRET_KEYS); delivered at once to a running claw",
        parameters: [nameParam, keyParam],
        requestBody: {
          required: true,
          content: json({
            type: "object",
            required: ["value"],
            additionalProperties: false,
            properties: { value: { type: "string", minLength: 1, maxLength: 8192 } },
          }),
        },
        responses: {
          "200": {
            description: "Stored",
            content: json({
              type: "object",
              properties: { key: { type: "string" }, version: { type: "string" }, delivery },
            }),
          },
          "409": error("CONFLICT: another claw uses this Telegram bot token (the message names it)"),
          ...ERRORS,
        },
      },
      delete: {
        operationId: "deleteClawSecret",
        summary: "Remove the claw's own value of a secret",
        parameters: [nameParam, keyParam],
        responses: { "200": { description: "Removed", content: json({ type: "object" }) }, ...ERRORS },
      },
    },
    "/claws/{name}/access-password": {
      get: {
        operationId: "getAccessPassword",
        summary: "The claw's password for SSH, RDP and the Sunshine admin UI (every read is audited)",
        parameters: [nameParam],
        responses: {
          "200": {
            description: "The password",
            content: json({
              type: "object",
              properties: { password: { type: "string" }, version: { type: "string" } },
            }),
          },
          ...ERRORS,
        },
      },
    },
    "/claws/{name}/access-password/rotate": {
      post: {
        operationId: "rotateAccessPassword",
        summary:
          "Generate a new access password; delivered at once to a running claw, on wake to a parked one",
        parameters: [nameParam],
        responses: {
          "200": {
            description: "Rotated",
            content: json({ type: "object", properties: { version: { type: "string" }, delivery } }),
          },
          ...ERRORS,
        },
      },
    },
  };
}

/** Liveness and readiness (functions/http/health.ts); the function key as on every route. */
function healthPaths() {
  const check = {
    type: "object",
    required: ["name", "ok", "durationMs"],
    properties: {
      name: { type: "string", description: "The dependency, e.g. storage.tables, arm.fleetResourceGroup" },
      ok: { type: "boolean" },
      durationMs: { type: "number" },
      detail: { type: "string", description: "What the check found, or what failed and how to fix it" },
    },
  };
  const readiness = json({
    type: "object",
    required: ["status", "checks"],
    properties: {
      status: { enum: ["ready", "not ready"] },
      failing: { type: "array", items: { type: "string" }, description: "The failing dependencies' names" },
      checks: { type: "array", items: check },
    },
  });
  return {
    "/health": {
      get: {
        operationId: "getHealth",
        summary: "Liveness: answers at once, touching no dependency",
        responses: {
          "200": {
            description: "Alive",
            content: json({
              type: "object",
              properties: {
                status: { const: "ok" },
                service: { type: "string" },
                version: { type: "string" },
                startedAt: { type: "string", format: "date-time" },
              },
            }),
          },
          "401": ERRORS["401"],
        },
      },
    },
    "/health/ready": {
      get: {
        operationId: "getReadiness",
        summary:
          "Readiness: Table and Queue storage, ARM (token and fleet resource group), Key Vault or the secrets file, " +
          "the durable task hub's backlog; each asked in parallel within HEALTH_READY_TIMEOUT_MS",
        responses: {
          "200": { description: "Every dependency answered", content: readiness },
          "503": {
            description: "Not ready: `failing` names each dependency that did not answer (Retry-After: 10)",
            headers: { "Retry-After": { schema: { type: "string" } } },
            content: readiness,
          },
          "401": ERRORS["401"],
        },
      },
    },
  };
}

function paths() {
  return {
    ...healthPaths(),
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
    ...secretPaths(),
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
