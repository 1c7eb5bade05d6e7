/**
 * Routes that take no function key: the bake workflow's signed webhook (functions/hooks), Telegram's
 * webhook (functions/telegram) and the operator console's static files (functions/http/console.ts),
 * each with how it is authenticated instead.
 */
import { BAKE_WEBHOOK_HEADERS } from "../bake-signature";
import { jsonContent, json } from "./parts";

const plain = (description: string) => ({
  description,
  content: { "text/plain": { schema: { type: "string" } } },
});
const hookError = (description: string) => ({ description, content: jsonContent("HookError") });

export const HOOK_SECURITY_SCHEMES = {
  bakeSignature: {
    type: "apiKey",
    in: "header",
    name: BAKE_WEBHOOK_HEADERS.signature,
    description: `sha256=<hex HMAC-SHA256 of "<${BAKE_WEBHOOK_HEADERS.timestamp}>.<raw body>" with BAKE_WEBHOOK_SECRET>`,
  },
  telegramSecretToken: {
    type: "apiKey",
    in: "header",
    name: "X-Telegram-Bot-Api-Secret-Token",
    description: "The secret_token given to setWebhook (TELEGRAM_WEBHOOK_SECRET)",
  },
};

export function hookPaths(): Record<string, unknown> {
  return {
    "/hooks/image-baked": {
      post: {
        operationId: "imageBaked",
        summary:
          "The image bake workflow's signed delivery: registers the version and starts a rollout per policy",
        security: [{ bakeSignature: [] }],
        parameters: [
          {
            name: BAKE_WEBHOOK_HEADERS.timestamp,
            in: "header",
            required: true,
            description: "Unix seconds; refused outside ±5 minutes",
            schema: { type: "string", pattern: "^[0-9]{1,12}$" },
          },
          {
            name: BAKE_WEBHOOK_HEADERS.delivery,
            in: "header",
            required: true,
            description: "The delivery's id (a UUID); a repeat is refused",
            schema: { type: "string" },
          },
        ],
        requestBody: { required: true, content: jsonContent("BakeDelivery") },
        responses: {
          "202": { description: "Verified; the imageBaked saga runs", content: jsonContent("BakeAccepted") },
          "400": hookError("BAD_REQUEST: not JSON, or a field is wrong (the message names it)"),
          "401": hookError("UNAUTHORIZED: signature, timestamp or delivery id not accepted (audited)"),
          "413": hookError("PAYLOAD_TOO_LARGE: over 16 KB"),
          "415": hookError("UNSUPPORTED_MEDIA_TYPE: send it as application/json"),
          "500": hookError("INTERNAL: try again"),
        },
      },
    },
    "/telegram": {
      post: {
        operationId: "telegramWebhook",
        summary: "Telegram's webhook for the operator bot (called by Telegram only)",
        security: [{ telegramSecretToken: [] }],
        requestBody: {
          required: true,
          content: json({ type: "object", required: ["update_id"], description: "A Telegram Update" }),
        },
        responses: {
          "200": {
            description: "Handled, with a Bot API method call as the webhook reply",
            content: json({ type: "object", required: ["method"] }),
          },
          "204": { description: "Handled, nothing to reply" },
          "400": plain("The body is not JSON or not a Telegram update"),
          "401": plain("The secret token is wrong"),
          "413": plain("The update is too large"),
          "415": plain("Not sent as application/json"),
          "503": plain("The bot is not configured, or the Bot API is unavailable (Telegram delivers again)"),
        },
      },
    },
  };
}

/** The console is served beside the API, under /api/console/ rather than /api/v1. */
export function consolePath(apiBase: string): Record<string, unknown> {
  return {
    "/console/{path}": {
      servers: [{ url: apiBase.replace(/\/v1\/?$/, "") }],
      get: {
        operationId: "getConsole",
        summary:
          "The operator console's static files (no data, no key; with CONSOLE_SIGN_IN=entra only to a signed-in user)",
        security: [],
        parameters: [
          {
            name: "path",
            in: "path",
            required: true,
            description: "A file of the built console (index.html when empty); may hold slashes",
            schema: { type: "string" },
          },
        ],
        responses: {
          "200": { description: "The file (gzip or brotli by Accept-Encoding; ETag)" },
          "302": { description: "CONSOLE_SIGN_IN=entra and not signed in: to the login page" },
          "304": { description: "Not modified" },
          "404": plain("No such file, or the console is not built"),
        },
      },
    },
  };
}
