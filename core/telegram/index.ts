/** The Telegram operator bot: update handling, notifications and their wiring. */
export { handleTelegramUpdate, STRANGER_REPLY } from "./bot";
export { botInfoFor, createApi, createBot, type BotApiOptions } from "./client";
export { principalOf, type BotDeps, type BotFleetDeps } from "./deps";
export { createTelegramNotifier, type TelegramNotifier } from "./notifier";
export { NOTIFY_RETRY, REPLY_RETRY, retryAfterTransformer, type RetryPolicy } from "./retry";
export { telegramSettingsFrom, type TelegramSettings } from "./settings";
export { createChatStore, type ChatStore } from "./store";
