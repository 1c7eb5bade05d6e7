/**
 * POST /api/v1/telegram: Telegram's webhook. authLevel is anonymous (Telegram cannot send a function
 * key); instead every request must carry the secret token set with setWebhook, compared in constant
 * time before anything else is read. grammY's own "azure-v4" webhookCallback is not used because it
 * calls getMe and reads the body before it checks the secret; here a wrong or missing secret costs
 * nothing but the comparison, and a malformed body is a 400 instead of an exception.
 *
 * The answer is 204, or 200 with a JSON Bot API method call (Telegram's webhook reply) when the
 * bot's answer to the update travels in the response; core/telegram/bot.ts says which answers do.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { Update, UserFromGetMe } from "grammy/types";
import { botInfoFor, handleTelegramUpdate, type BotDeps, type TelegramSettings } from "../../core/telegram";
import { isJsonType } from "../http/request";

export const SECRET_HEADER = "x-telegram-bot-api-secret-token";
/** Updates are a few KiB; anything this large is not from Telegram. */
export const MAX_UPDATE_BYTES = 1024 * 1024;

export interface TelegramWebhookOptions {
  settings: () => TelegramSettings;
  deps: (context: InvocationContext, settings: TelegramSettings) => BotDeps;
  /** Tests skip getMe by handing in the bot's identity. */
  botInfo?: UserFromGetMe;
}

function sameSecret(given: string | null, expected: string): boolean {
  if (given === null) return false;
  // Hash both so the comparison never depends on (or reveals) the expected length.
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

const text = (status: number, body: string): HttpResponseInit => ({ status, body });

function isUpdate(v: unknown): v is Update {
  return (
    typeof v === "object" && v !== null && Number.isSafeInteger((v as { update_id?: unknown }).update_id)
  );
}

/**
 * The first field the bot reads that does not have Telegram's type (Telegram never sends such an
 * update; a caller holding the secret might): answered plainly instead of failing in the bot.
 */
function oddField(update: Update): string | undefined {
  const u = update as unknown as Record<string, Record<string, unknown> | undefined>;
  for (const key of ["message", "edited_message", "channel_post", "callback_query"]) {
    const part = u[key];
    if (part === undefined) continue;
    if (typeof part !== "object" || part === null) return `${key} must be an object`;
    for (const field of ["text", "data", "caption"]) {
      if (field in part && typeof part[field] !== "string") return `${key}.${field} must be a string`;
    }
  }
  return undefined;
}

export function createTelegramWebhook(o: TelegramWebhookOptions) {
  return async function telegramWebhook(
    req: HttpRequest,
    context: InvocationContext,
  ): Promise<HttpResponseInit> {
    let settings: TelegramSettings;
    try {
      settings = o.settings();
    } catch (e) {
      context.error(`telegram settings: ${e instanceof Error ? e.message : String(e)}`);
      return text(503, "the Telegram bot is misconfigured");
    }
    const { botToken, webhookSecret } = settings;
    // Without a secret every caller would be Telegram: refuse to run at all.
    if (!botToken || !webhookSecret) return text(503, "the Telegram bot is not configured");
    if (!sameSecret(req.headers.get(SECRET_HEADER), webhookSecret)) return text(401, "secret token is wrong");

    const length = Number(req.headers.get("content-length") ?? "0");
    if (length > MAX_UPDATE_BYTES) return text(413, "update too large");
    if (!isJsonType(req.headers.get("content-type")))
      return text(415, "send the update as JSON with Content-Type: application/json");
    const raw = await req.text();
    if (Buffer.byteLength(raw) > MAX_UPDATE_BYTES) return text(413, "update too large");
    let update: unknown;
    try {
      update = JSON.parse(raw);
    } catch {
      return text(400, "the body is not JSON");
    }
    if (!isUpdate(update)) return text(400, "the body is not a Telegram update");
    const odd = oddField(update);
    if (odd) return text(400, `the body is not a Telegram update: ${odd}`);

    const api = { token: botToken, apiRoot: settings.apiRoot };
    let botInfo: UserFromGetMe;
    try {
      botInfo = o.botInfo ?? (await botInfoFor(api));
    } catch (e) {
      // Telegram delivers the update again later; getMe is tried again then.
      context.warn(`telegram getMe failed: ${e instanceof Error ? e.message : String(e)}`);
      return text(503, "the Bot API is unavailable");
    }
    const reply = await handleTelegramUpdate(update, o.deps(context, settings), {
      ...api,
      botInfo,
      webhookReply: settings.webhookReply ?? true,
    });
    if (reply === undefined) return { status: 204 };
    return { status: 200, headers: { "content-type": "application/json" }, body: reply };
  };
}
