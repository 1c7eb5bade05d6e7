/**
 * The OpenAPI 3.1 document of /api/v1, generated from the same zod schemas the handlers validate
 * with (see schemas.ts) and response schemas tied to the handlers' types (responses.ts), so the
 * document cannot drift from what the API accepts and answers. Built on the first request.
 */
import { logPaths, secretPaths } from "./claw-paths";
import { fleetPaths } from "./fleet-paths";
import { consolePath, HOOK_SECURITY_SCHEMES, hookPaths } from "./hook-paths";
import {
  BAD_NAME,
  BODY_REFUSALS,
  conditionalRead,
  errors,
  idempotencyKey,
  json,
  jsonContent,
  nameParam,
  ok,
} from "./parts";
import { componentJsonSchemas } from "./schemas";

const accepted = {
  "202": ok("Accepted: the saga runs; follow statusUrl (also in Location)", "Accepted", {
    Location: { schema: { type: "string" } },
    "Retry-After": { schema: { type: "string" } },
  }),
};

const read = (description: string, schema: string) => ({
  "200": ok(description, schema, conditionalRead.headers),
  ...conditionalRead.notModified,
});

const BUSY = "CLAW_BUSY: another operation holds the claw (error.operationId names it)";

function action(name: string, summary: string, body?: string) {
  return {
    post: {
      operationId: `${name}Claw`,
      summary,
      parameters: [nameParam, idempotencyKey],
      ...(body ? { requestBody: { required: name === "upgrade", content: jsonContent(body) } } : {}),
      responses: {
        ...accepted,
        ...errors({
          ...BODY_REFUSALS,
          "400":
            "BAD_REQUEST: the claw name, the body or the Idempotency-Key is wrong; IMAGE_NOT_FOUND / IMAGE_NOT_READY",
          "404": "CLAW_NOT_FOUND",
          "409": `${BUSY}; or ALREADY_ON_VERSION, DOWNGRADE_REFUSED, DISK_ATTACHED_ELSEWHERE`,
        }),
      },
    },
  };
}

/** Liveness and readiness (functions/http/health.ts); the function key as on every route. */
function healthPaths() {
  return {
    "/health": {
      get: {
        operationId: "getHealth",
        summary: "Liveness: answers at once, touching no dependency",
        responses: { "200": ok("Alive", "Health"), "401": errors()["401"] },
      },
    },
    "/health/ready": {
      get: {
        operationId: "getReadiness",
        summary:
          "Readiness: Table and Queue storage, ARM (token and fleet resource group), Key Vault or the secrets file, " +
          "the durable task hub's backlog; each asked in parallel within HEALTH_READY_TIMEOUT_MS",
        responses: {
          "200": ok("Every dependency answered", "Readiness"),
          "503": ok("Not ready: `failing` names each dependency that did not answer", "Readiness", {
            "Retry-After": { schema: { type: "string" } },
          }),
          "401": errors()["401"],
        },
      },
    },
  };
}

function clawPaths() {
  return {
    "/claws": {
      get: {
        operationId: "listClaws",
        summary: "List claws",
        parameters: [...conditionalRead.parameters],
        responses: { ...read("Claws", "ClawList"), ...errors() },
      },
      post: {
        operationId: "createClaw",
        summary: "Create a claw (desired state only; deploy starts it)",
        parameters: [idempotencyKey],
        requestBody: { required: true, content: jsonContent("ClawSpec") },
        responses: {
          "201": ok("Created (Location: the claw)", "Claw", { Location: { schema: { type: "string" } } }),
          "200": ok("Repeated Idempotency-Key: the claw as it is", "Claw"),
          ...errors({
            ...BODY_REFUSALS,
            "400": "BAD_REQUEST: a spec field is wrong (the message names it and what to fix)",
            "409": "CLAW_EXISTS",
          }),
        },
      },
    },
    "/claws/{name}": {
      get: {
        operationId: "getClaw",
        summary: "A claw: spec and observed state",
        parameters: [nameParam, ...conditionalRead.parameters],
        responses: { ...read("The claw", "Claw"), ...errors({ "400": BAD_NAME, "404": "CLAW_NOT_FOUND" }) },
      },
      patch: {
        operationId: "updateClawSpec",
        summary: "Change the desired spec (vmSize, schedule, tags, ...)",
        parameters: [nameParam, idempotencyKey],
        requestBody: { required: true, content: jsonContent("ClawSpecPatch") },
        responses: {
          "200": ok("The updated claw", "Claw"),
          ...errors({
            ...BODY_REFUSALS,
            "400": "BAD_REQUEST: a field is wrong or may not change (the message names it)",
            "404": "CLAW_NOT_FOUND",
            "409": "CONFLICT: the request id is still being handled; retry shortly",
          }),
        },
      },
      delete: {
        operationId: "destroyClaw",
        summary:
          "Destroy the claw's VM, NIC and IP; the data disk only with deleteDisk=true (after a final snapshot)",
        parameters: [
          nameParam,
          idempotencyKey,
          { name: "deleteDisk", in: "query", required: false, schema: { type: "boolean", default: false } },
        ],
        responses: {
          ...accepted,
          ...errors({
            "400": "BAD_REQUEST: the claw name, deleteDisk (true or false) or the Idempotency-Key is wrong",
            "404": "CLAW_NOT_FOUND",
            "409": BUSY,
          }),
        },
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
  };
}

function operationPaths() {
  return {
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
          ...conditionalRead.parameters,
        ],
        responses: {
          ...read("Operations", "OperationList"),
          ...errors({ "400": "BAD_REQUEST: claw, status or limit is not valid (the message names it)" }),
        },
      },
    },
    "/operations/{id}": {
      get: {
        operationId: "getOperation",
        summary: "One operation with its steps and, while it runs, the saga's live status",
        parameters: [
          { name: "id", in: "path", required: true, schema: { type: "string" } },
          ...conditionalRead.parameters,
        ],
        responses: {
          ...read("The operation", "Operation"),
          ...errors({ "400": "BAD_REQUEST: the operation id is malformed", "404": "NOT_FOUND" }),
        },
      },
    },
    "/images": {
      get: {
        operationId: "listImages",
        summary: "Known gallery image versions, newest first",
        parameters: [...conditionalRead.parameters],
        responses: {
          ...read("Images", "ImageList"),
          ...errors({ "502": "AZURE_ERROR: the gallery could not be read" }),
        },
      },
    },
    "/openapi.json": {
      get: {
        operationId: "getOpenApi",
        summary: "This document",
        responses: {
          "200": { description: "OpenAPI 3.1 document", content: json({ type: "object" }) },
          ...errors(),
        },
      },
    },
  };
}

function paths() {
  return {
    ...healthPaths(),
    ...clawPaths(),
    ...logPaths(),
    ...secretPaths(),
    ...fleetPaths(),
    ...operationPaths(),
    ...hookPaths(),
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
        ...HOOK_SECURITY_SCHEMES,
      },
    },
  };
  const built = cached as { paths: Record<string, unknown> };
  // The console's own server is the API base without /v1, so its path follows serverUrl.
  return { ...cached, servers: [{ url: serverUrl }], paths: { ...built.paths, ...consolePath(serverUrl) } };
}
