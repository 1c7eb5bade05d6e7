/**
 * Production wiring from app settings, the same on Azure and the twin: the bot's table beside the
 * control plane's (AzureWebJobsStorage), and the notifier that fleet notifications and saga endings
 * use. Built once per process and settings.
 */
import { DefaultAzureCredential } from "@azure/identity";
import { setFleetNotifier } from "../fleet/wiring";
import type { StorageTarget } from "../state";
import { createApi } from "./client";
import { createTelegramNotifier, type TelegramNotifier } from "./notifier";
import { NOTIFY_RETRY } from "./retry";
import { telegramSettingsFrom } from "./settings";
import { createChatStore, type ChatStore } from "./store";

type Env = Record<string, string | undefined>;

/** The storage account of AzureWebJobsStorage (connection string on the twin, identity on Azure). */
export function storageTargetFromEnv(env: Env = process.env): StorageTarget {
  if (env.AzureWebJobsStorage) return env.AzureWebJobsStorage;
  const clientId = env.AzureWebJobsStorage__clientId;
  return {
    tableUrl:
      env.AzureWebJobsStorage__tableServiceUri ??
      `https://${env.AzureWebJobsStorage__accountName ?? ""}.table.core.windows.net`,
    credential: new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {}),
  };
}

let stores: { key: string; store: ChatStore } | undefined;

/** The bot's own table (confirmations, refused strangers). */
export function chatStoreFromEnv(env: Env = process.env): ChatStore {
  const key = env.AzureWebJobsStorage ?? env.AzureWebJobsStorage__accountName ?? "";
  if (stores?.key !== key) stores = { key, store: createChatStore(storageTargetFromEnv(env)) };
  return stores.store;
}

let notifiers: { key: string; notifier: TelegramNotifier } | undefined;

/** The operators' chat notifier, or undefined when the bot token or chat id is not set. */
export function notifierFromEnv(env: Env = process.env): TelegramNotifier | undefined {
  const s = telegramSettingsFrom(env);
  if (!s.botToken || !s.operatorChatId) return undefined;
  const key = `${s.botToken}|${s.apiRoot ?? ""}|${s.operatorChatId}`;
  if (notifiers?.key !== key) {
    const api = createApi({ token: s.botToken, apiRoot: s.apiRoot }, NOTIFY_RETRY);
    notifiers = { key, notifier: createTelegramNotifier({ api, chatId: s.operatorChatId }) };
  }
  return notifiers.notifier;
}

/**
 * Makes fleet notifications (drift, park warnings, digests, rollout approvals) go to Telegram.
 * Settings are read at each notification, so a bot configured later is picked up; without one,
 * notifications are dropped (the fleet logs them).
 */
export function useTelegramFleetNotifier(env: Env = process.env): void {
  setFleetNotifier({
    async notify(event) {
      const n = notifierFromEnv(env);
      if (n) await n.notify(event);
    },
  });
}
