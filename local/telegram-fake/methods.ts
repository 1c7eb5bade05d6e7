/**
 * The Bot API methods the control plane calls, with the real server's checks and error answers:
 * getMe, sendMessage, editMessageText, editMessageReplyMarkup, answerCallbackQuery, setWebhook,
 * getWebhookInfo, deleteWebhook, setMyCommands, getMyCommands.
 */
import { ERRORS, LIMITS, type ApiErrorBody } from "./constants";
import { checkHtml } from "./html-check";
import { chatFor, type FakeMessage, type FakeState } from "./state";

export interface BotUser {
  id: number;
  is_bot: true;
  first_name: string;
  username: string;
  can_join_groups: boolean;
  can_read_all_group_messages: boolean;
  supports_inline_queries: boolean;
  can_connect_to_business: boolean;
  has_main_web_app: boolean;
  has_topics_enabled: boolean;
  allows_users_to_create_topics: boolean;
  can_manage_bots: boolean;
  supports_join_request_queries: boolean;
}

export type MethodResult = { ok: true; result: unknown } | ApiErrorBody;

type Payload = Record<string, unknown>;
type Method = (state: FakeState, p: Payload, bot: BotUser) => MethodResult;

const ok = (result: unknown): MethodResult => ({ ok: true, result });
const now = () => Math.floor(Date.now() / 1000);

/** Form-encoded payloads carry objects as JSON strings. */
function obj(v: unknown): Record<string, unknown> | undefined {
  if (typeof v === "string") {
    try {
      return JSON.parse(v) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined;
}

function chatId(p: Payload): number | undefined {
  const v = p.chat_id;
  if (typeof v === "number" && Number.isSafeInteger(v)) return v;
  if (typeof v === "string" && /^-?\d+$/.test(v)) return Number(v);
  return undefined;
}

/** Renders text per parse_mode; an ApiErrorBody when Telegram would refuse it. */
function render(p: Payload): { source: string; text: string } | ApiErrorBody {
  const source = typeof p.text === "string" ? p.text : "";
  let text = source;
  if (p.parse_mode === "HTML") {
    const r = checkHtml(source);
    if (!r.ok) return ERRORS.cantParse(r.detail);
    text = r.plain;
  }
  if (text.trim().length === 0) return ERRORS.textEmpty();
  if ([...text].length > LIMITS.messageText) return ERRORS.textTooLong();
  return { source, text };
}

function markup(p: Payload): FakeMessage["reply_markup"] | ApiErrorBody | undefined {
  const m = obj(p.reply_markup);
  if (!m || !Array.isArray(m.inline_keyboard)) return undefined;
  const rows = m.inline_keyboard as { text: string; callback_data?: string }[][];
  for (const row of rows) {
    for (const b of row) {
      const data = b.callback_data;
      if (data !== undefined && (data.length === 0 || Buffer.byteLength(data) > LIMITS.callbackData)) {
        return ERRORS.buttonDataInvalid();
      }
    }
  }
  return { inline_keyboard: rows };
}

const isError = (v: unknown): v is ApiErrorBody =>
  typeof v === "object" && v !== null && (v as ApiErrorBody).ok === false;

function view(m: FakeMessage, bot: BotUser) {
  return {
    message_id: m.message_id,
    from: { id: bot.id, is_bot: true, first_name: bot.first_name, username: bot.username },
    chat: m.chat,
    date: m.date,
    ...(m.edit_date ? { edit_date: m.edit_date } : {}),
    text: m.text,
    ...(m.reply_markup?.inline_keyboard.length ? { reply_markup: m.reply_markup } : {}),
  };
}

function editTarget(state: FakeState, p: Payload): FakeMessage | ApiErrorBody {
  const chat = chatId(p);
  const id = Number(p.message_id);
  if (chat === undefined) return ERRORS.chatIdEmpty();
  return state.findMessage(chat, id) ?? ERRORS.messageToEditNotFound();
}

export const METHODS: Record<string, Method> = {
  getMe: (_s, _p, bot) => ok(bot),

  sendMessage(state, p, bot) {
    const chat = chatId(p);
    if (chat === undefined) return ERRORS.chatIdEmpty();
    const r = render(p);
    if (isError(r)) return r;
    const rm = markup(p);
    if (isError(rm)) return rm;
    const m: FakeMessage = {
      message_id: state.newMessageId(),
      chat: chatFor(chat),
      date: now(),
      ...r,
      ...(typeof p.parse_mode === "string" ? { parse_mode: p.parse_mode } : {}),
      ...(rm ? { reply_markup: rm } : {}),
    };
    state.messages.push(m);
    return ok(view(m, bot));
  },

  editMessageText(state, p, bot) {
    const m = editTarget(state, p);
    if (isError(m)) return m;
    const r = render(p);
    if (isError(r)) return r;
    const rm = markup(p);
    if (isError(rm)) return rm;
    if (r.source === m.source && JSON.stringify(rm) === JSON.stringify(m.reply_markup))
      return ERRORS.notModified();
    // Without reply_markup the inline keyboard is removed, as in Telegram.
    Object.assign(m, r, { reply_markup: rm, edit_date: now() });
    return ok(view(m, bot));
  },

  editMessageReplyMarkup(state, p, bot) {
    const m = editTarget(state, p);
    if (isError(m)) return m;
    const rm = markup(p);
    if (isError(rm)) return rm;
    if (JSON.stringify(rm) === JSON.stringify(m.reply_markup)) return ERRORS.notModified();
    Object.assign(m, { reply_markup: rm, edit_date: now() });
    return ok(view(m, bot));
  },

  answerCallbackQuery(state, p) {
    const id = typeof p.callback_query_id === "string" ? p.callback_query_id : "";
    if (!id || state.answeredQueries.has(id)) return ERRORS.queryTooOld();
    const text = typeof p.text === "string" ? p.text : undefined;
    if (text !== undefined && [...text].length > LIMITS.callbackAnswerText) {
      return { ok: false, error_code: 400, description: "Bad Request: MESSAGE_TOO_LONG" };
    }
    state.answeredQueries.set(id, { text, show_alert: p.show_alert === true });
    return ok(true);
  },

  setWebhook(state, p) {
    const url = typeof p.url === "string" ? p.url : "";
    if (url === "") {
      state.webhook = undefined;
      return ok(true);
    }
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return ERRORS.badWebhookUrl();
    }
    // Telegram wants https; the fake also takes http on loopback, where the twin's host listens.
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
    if (u.protocol !== "https:" && !(u.protocol === "http:" && loopback)) return ERRORS.badWebhookUrl();
    const secret = p.secret_token;
    if (secret !== undefined && (typeof secret !== "string" || !/^[A-Za-z0-9_-]{1,256}$/.test(secret))) {
      return ERRORS.secretTokenInvalid();
    }
    const allowed = Array.isArray(p.allowed_updates) ? (p.allowed_updates as string[]) : undefined;
    state.webhook = {
      url,
      ...(secret ? { secret_token: secret } : {}),
      ...(allowed ? { allowed_updates: allowed } : {}),
    };
    return ok(true);
  },

  getWebhookInfo(state) {
    const w = state.webhook;
    return ok({
      url: w?.url ?? "",
      has_custom_certificate: false,
      pending_update_count: 0,
      ...(w?.allowed_updates ? { allowed_updates: w.allowed_updates } : {}),
    });
  },

  deleteWebhook(state) {
    state.webhook = undefined;
    return ok(true);
  },

  setMyCommands(state, p) {
    const cmds = Array.isArray(p.commands) ? p.commands : obj(p.commands);
    state.commands = Array.isArray(cmds) ? cmds : [];
    return ok(true);
  },

  getMyCommands: (state) => ok(state.commands),
};
