/**
 * The bot's settings (names as in core/settings.ts). Read on their own rather than through
 * loadConfig, so a problem with an unrelated setting never silences the operators' channel; the
 * formats are the same ones core/config.ts checks.
 */
import { ClawError } from "../errors";

export interface TelegramSettings {
  botToken?: string;
  webhookSecret?: string;
  operatorIds: string[];
  operatorChatId?: string;
  apiRoot?: string;
  /** Answers that may be lost harmlessly travel in the webhook's response (default true). */
  webhookReply?: boolean;
}

const blank = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v.trim());

/** Reads the settings; a malformed value is an error naming the setting (never showing a secret). */
export function telegramSettingsFrom(
  env: Record<string, string | undefined> = process.env,
): TelegramSettings {
  const ids = blank(env.TELEGRAM_OPERATOR_IDS);
  if (ids !== undefined && !/^\d+(\s*,\s*\d+)*$/.test(ids)) {
    throw new ClawError("INTERNAL", "TELEGRAM_OPERATOR_IDS must be comma-separated Telegram user ids");
  }
  const chat = blank(env.TELEGRAM_OPERATOR_CHAT_ID);
  if (chat !== undefined && !/^-?\d+$/.test(chat)) {
    throw new ClawError("INTERNAL", "TELEGRAM_OPERATOR_CHAT_ID must be a Telegram chat id");
  }
  const apiRoot = blank(env.TELEGRAM_API_ROOT);
  if (apiRoot !== undefined && !/^https?:\/\/[^\s/]+/.test(apiRoot)) {
    throw new ClawError("INTERNAL", "TELEGRAM_API_ROOT must be an http(s) URL");
  }
  const reply = blank(env.TELEGRAM_WEBHOOK_REPLY)?.toLowerCase();
  if (reply !== undefined && reply !== "on" && reply !== "off") {
    throw new ClawError("INTERNAL", "TELEGRAM_WEBHOOK_REPLY must be on or off");
  }
  return {
    botToken: blank(env.TELEGRAM_BOT_TOKEN),
    webhookSecret: blank(env.TELEGRAM_WEBHOOK_SECRET),
    operatorIds: ids ? ids.split(",").map((x) => x.trim()) : [],
    operatorChatId: chat,
    apiRoot,
    webhookReply: reply !== "off",
  };
}
