/**
 * Paths of one claw's secrets, access password (functions/http/secrets.ts) and logs
 * (functions/http/logs.ts).
 */
import { DEFAULT_LOG_LINES, LOG_SOURCES, MAX_LOG_LINES } from "../logs/claw-logs";
import { BAD_NAME, BODY_REFUSALS, countQuery, errors, jsonContent, nameParam, ok } from "./parts";

const keyParam = {
  name: "key",
  in: "path",
  required: true,
  description: "Secret name: a provider API key, TELEGRAM_BOT_TOKEN, ... or one in EXTRA_SECRET_KEYS",
  schema: { type: "string", pattern: "^[A-Z_][A-Z0-9_]*$" },
};
const BAD_KEY = "BAD_REQUEST: the claw name or the secret name is malformed or not an allowed key";
const NO_CLAW = "CLAW_NOT_FOUND";

export function secretPaths(): Record<string, unknown> {
  return {
    "/claws/{name}/secrets": {
      get: {
        operationId: "listClawSecrets",
        summary: "Names, versions and last delivery of the claw's secrets (never values)",
        parameters: [nameParam],
        responses: {
          "200": ok("The secrets", "SecretList"),
          ...errors({ "400": BAD_NAME, "404": NO_CLAW }),
        },
      },
    },
    "/claws/{name}/secrets/{key}": {
      put: {
        operationId: "putClawSecret",
        summary:
          "Store a new version of a secret (provider API keys, TELEGRAM_BOT_TOKEN, BRIGHTDATA_API_TOKEN, TAILSCALE_AUTHKEY, or one in EXTRA_SECRET_KEYS); delivered at once to a running claw",
        parameters: [nameParam, keyParam],
        requestBody: { required: true, content: jsonContent("SecretValue") },
        responses: {
          "200": ok("Stored; delivery says how it reaches the claw", "SecretPutResult"),
          ...errors({
            ...BODY_REFUSALS,
            "400": `${BAD_KEY}, or the value is not of the key's form (the message says which, never the value)`,
            "404": NO_CLAW,
            "409": "CONFLICT: another claw uses this Telegram bot token (the message names it)",
          }),
        },
      },
      delete: {
        operationId: "deleteClawSecret",
        summary: "Remove the claw's own value of a secret",
        parameters: [nameParam, keyParam],
        responses: {
          "200": ok("Removed; delivery says how the removal reaches the claw", "SecretDeleteResult"),
          ...errors({
            "400": BAD_KEY,
            "404": "CLAW_NOT_FOUND, or NOT_FOUND: the claw has no value of its own",
          }),
        },
      },
    },
    "/claws/{name}/access-password": {
      get: {
        operationId: "getAccessPassword",
        summary: "The claw's password for SSH, RDP and the Sunshine admin UI (every read is audited)",
        parameters: [nameParam],
        responses: {
          "200": ok("The password (Cache-Control: no-store)", "AccessPassword"),
          ...errors({
            "400": BAD_NAME,
            "404": "CLAW_NOT_FOUND, or NOT_FOUND: no password before the first deploy",
          }),
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
          "200": ok("Rotated", "AccessPasswordRotated"),
          ...errors({ "400": BAD_NAME, "404": NO_CLAW }),
        },
      },
    },
  };
}

export function logPaths(): Record<string, unknown> {
  return {
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
            schema: { enum: [...LOG_SOURCES], default: "boot" },
          },
          countQuery("lines", MAX_LOG_LINES, "How many of the last lines", DEFAULT_LOG_LINES),
        ],
        responses: {
          "200": ok("The lines (Cache-Control: no-store)", "ClawLogs"),
          ...errors({
            "400": "BAD_REQUEST: the claw name, source or lines is not valid (the message names it)",
            "404": NO_CLAW,
            "409":
              "CONFLICT: the claw is parked or not deployed (wake or deploy it first), or has no pinned host key yet",
            "502": "SSH_ERROR: the claw did not answer over SSH",
          }),
        },
      },
    },
  };
}
