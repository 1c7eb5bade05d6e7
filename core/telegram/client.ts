/**
 * grammY objects for the control plane: a Bot for one webhook update, an Api for notifications or
 * for an update's answer whose first call may become the webhook reply; all pointed at the
 * configured Bot API root (a local fake on the twin) and all honouring 429s.
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

/**
 * An Api client with the given retry policy. With `webhookReply`, it is the Api for one update's
 * answer, after grammY's webhook reply: its first call is not sent but handed to `webhookReply` as
 * the JSON of a method call (`{"method":"sendMessage","chat_id":…}`) for the webhook's HTTP
 * response; any later call goes out as a request of its own. A call answered that way resolves to
 * `true`: neither its result nor its error is ever known (see bot.ts for which answers may).
 */
export function createApi(o: BotApiOptions, retry: RetryPolicy, webhookReply?: (json: string) => void): Api {
  const api = webhookReply
    ? new Api(o.token, { ...clientOptions(o), canUseWebhookReply: () => true }, { send: webhookReply })
    : new Api(o.token, clientOptions(o));
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
