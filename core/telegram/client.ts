/**
 * grammY objects for the control plane: a Bot for one webhook update and an Api for notifications,
 * both pointed at the configured Bot API root (a local fake on the twin) and both honouring 429s.
 */
import { Api, Bot } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import { REPLY_RETRY, retryAfterTransformer, type RetryPolicy } from "./retry";

export interface BotApiOptions {
  token: string;
  /** Bot API root; default https://api.telegram.org. */
  apiRoot?: string;
  /** Seconds a single Bot API call may take. */
  timeoutSeconds?: number;
}

function clientOptions(o: BotApiOptions) {
  return {
    ...(o.apiRoot ? { apiRoot: o.apiRoot.replace(/\/+$/, "") } : {}),
    timeoutSeconds: o.timeoutSeconds ?? 10,
  };
}

/** An Api client with the given retry policy. */
export function createApi(o: BotApiOptions, retry: RetryPolicy): Api {
  const api = new Api(o.token, clientOptions(o));
  api.config.use(retryAfterTransformer(retry));
  return api;
}

/**
 * A Bot for handling updates. `botInfo` comes from getMe once per process (see `botInfoFor`);
 * building a Bot around it is cheap, so each update gets its own with its own dependencies.
 */
export function createBot(o: BotApiOptions & { botInfo: UserFromGetMe; retry?: RetryPolicy }): Bot {
  const bot = new Bot(o.token, { botInfo: o.botInfo, client: clientOptions(o) });
  bot.api.config.use(retryAfterTransformer(o.retry ?? REPLY_RETRY));
  return bot;
}

const infos = new Map<string, Promise<UserFromGetMe>>();

/** getMe, once per token and API root per process (a failure is tried again next time). */
export function botInfoFor(o: BotApiOptions): Promise<UserFromGetMe> {
  const key = `${o.apiRoot ?? ""}|${o.token}`;
  let p = infos.get(key);
  if (!p) {
    p = createApi(o, REPLY_RETRY).getMe();
    infos.set(key, p);
    p.catch(() => infos.delete(key));
  }
  return p;
}
