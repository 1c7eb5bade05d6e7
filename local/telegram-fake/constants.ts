/**
 * The Bot API's limits and error answers as the real server gives them ({ok:false, error_code,
 * description[, parameters]}), so the bot meets the same refusals on the twin as in production.
 */
export const LIMITS = {
  messageText: 4096,
  callbackData: 64,
  callbackAnswerText: 200,
  secretToken: 256,
} as const;

export interface ApiErrorBody {
  ok: false;
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

const err = (error_code: number, description: string): ApiErrorBody => ({
  ok: false,
  error_code,
  description,
});

export const ERRORS = {
  unauthorized: () => err(401, "Unauthorized"),
  notFound: () => err(404, "Not Found"),
  chatIdEmpty: () => err(400, "Bad Request: chat_id is empty"),
  chatNotFound: () => err(400, "Bad Request: chat not found"),
  textEmpty: () => err(400, "Bad Request: message text is empty"),
  textTooLong: () => err(400, "Bad Request: message is too long"),
  cantParse: (detail: string) => err(400, `Bad Request: can't parse entities: ${detail}`),
  buttonDataInvalid: () => err(400, "Bad Request: BUTTON_DATA_INVALID"),
  messageToEditNotFound: () => err(400, "Bad Request: message to edit not found"),
  notModified: () =>
    err(
      400,
      "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
    ),
  queryTooOld: () =>
    err(400, "Bad Request: query is too old and response timeout expired or query ID is invalid"),
  badWebhookUrl: () => err(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"),
  secretTokenInvalid: () => err(400, "Bad Request: secret token contains unallowed characters"),
  tooManyRequests: (retryAfter: number): ApiErrorBody => ({
    ...err(429, `Too Many Requests: retry after ${retryAfter}`),
    parameters: { retry_after: retryAfter },
  }),
};

/** Tags Telegram's HTML parse mode accepts. */
export const HTML_TAGS = new Set([
  "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre",
  "blockquote", "tg-emoji", "tg-time",
]); // prettier-ignore
