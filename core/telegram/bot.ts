/**
 * One update, handled: who may speak (operators, in a private chat or the operators' chat), what
 * they said (parse.ts), what runs (commands.ts, buttons.ts) and what is said back. Strangers get
 * one polite refusal; every refusal is audited; nothing else is written for a refused command.
 *
 * What is said back may travel in the webhook's HTTP response (Telegram's webhook reply: one
 * method call per update, run by Telegram when the response arrives) instead of as a request of
 * its own. The bot never learns whether such a call succeeded (no error, no 429, no message id),
 * so only answers whose loss is harmless take that way: read-only answers, usage lines, refusals
 * and button toasts, all of which the operator can simply ask for again. An answer that reports a
 * started operation or carries buttons is sent as a request, so its failure is retried and logged.
 */
import type { Api, Bot, Context } from "grammy";
import { InlineKeyboard } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import { decodeButton, encodeButton } from "./callbacks";
import { createApi, createBot, type BotApiOptions } from "./client";
import { runCommand } from "./commands";
import { principalOf, type BotDeps } from "./deps";
import { errorText } from "./errors";
import { pressButton } from "./buttons";
import { esc } from "./html";
import { parseChatCommand, type ParseResult } from "./parse";
import { REPLY_RETRY } from "./retry";

export const STRANGER_REPLY =
  "Sorry, this bot only takes commands from the fleet's operators. If you should be one, ask an operator to add your Telegram user id:";

const HTML = { parse_mode: "HTML" as const, link_preview_options: { is_disabled: true } };

export interface UpdateApiOptions extends BotApiOptions {
  botInfo: UserFromGetMe;
  /** Answer in the webhook's response where that is safe (default true); false sends every call. */
  webhookReply?: boolean;
}

/**
 * Handles one update with `deps`; errors are answered in the chat and logged, never thrown.
 * Returns the webhook reply, the JSON body of one Bot API call, when the answer is to travel in
 * the webhook's response.
 */
export async function handleTelegramUpdate(
  update: Update,
  deps: BotDeps,
  api: UpdateApiOptions,
): Promise<string | undefined> {
  const bot = createBot(api);
  let reply: string | undefined;
  const answers =
    api.webhookReply === false ? bot.api : createApi(api, REPLY_RETRY, (json) => void (reply = json));
  installHandlers(bot, deps, answers);
  await bot.handleUpdate(update);
  return reply;
}

/**
 * The bot's handlers for one update. `answers` is the Api for answers that may be the webhook
 * reply (its first call becomes the reply); `ctx.api` sends requests of its own.
 */
export function installHandlers(bot: Bot, deps: BotDeps, answers: Api): void {
  bot.on("message:text", (ctx) => guarded(ctx, deps, answers, () => onText(ctx, deps, answers)));
  bot.on("callback_query:data", (ctx) => guarded(ctx, deps, answers, () => onButton(ctx, deps, answers)));
  // A button without data (or a game) still wants its spinner stopped.
  bot.on("callback_query", (ctx) => answers.answerCallbackQuery(ctx.callbackQuery.id));
}

async function guarded(ctx: Context, deps: BotDeps, answers: Api, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const text = errorText(e, deps.commands.log, `update ${ctx.update.update_id}`);
    try {
      if (ctx.callbackQuery) {
        await answers.answerCallbackQuery(ctx.callbackQuery.id, { text: "Not done: try again in a moment." });
      } else if (ctx.chat) await answers.sendMessage(ctx.chat.id, text, HTML);
    } catch (e2) {
      deps.commands.log?.("warn", "answering a failed Telegram update failed too", e2);
    }
  }
}

function audit(
  deps: BotDeps,
  entry: { principal: string; kind: string; claw?: string; reason: string; command: unknown },
) {
  return deps.commands.state.audit
    .record({ channel: "telegram", accepted: false, ...entry })
    .catch((e: unknown) => deps.commands.log?.("error", "auditing a refused Telegram command failed", e));
}

function kindOf(p: ParseResult): string {
  if (p.kind === "command") return p.command.name;
  return p.kind === "usage" ? p.name.replace(/[^a-z0-9_]/g, "").slice(0, 32) || "invalid" : "message";
}

async function onText(
  ctx: Context & { message: { text: string } },
  deps: BotDeps,
  answers: Api,
): Promise<void> {
  const from = ctx.from;
  const chat = ctx.chat;
  if (!from || !chat || from.is_bot) return;
  const userId = String(from.id);
  const principal = principalOf(userId);
  const isPrivate = chat.type === "private";
  const parsed = parseChatCommand(ctx.message.text, ctx.me.username);
  // In groups the bot hears chatter too; only commands addressed to it concern it.
  if (parsed.kind === "ignore" && !isPrivate) return;
  const replyTo = isPrivate
    ? {}
    : { reply_parameters: { message_id: ctx.message.message_id, allow_sending_without_reply: true } };

  if (!deps.operators.has(userId)) {
    // Never store what a stranger typed: it may be anything.
    await audit(deps, {
      principal,
      kind: kindOf(parsed),
      reason: "UNAUTHORIZED: not an operator",
      command: { chat: chat.type },
    });
    if (await deps.store.shouldAnswerStranger(userId)) {
      await answers.sendMessage(chat.id, `${esc(STRANGER_REPLY)} <code>${esc(userId)}</code>`, {
        ...HTML,
        ...replyTo,
      });
    }
    return;
  }
  if (!isPrivate && String(chat.id) !== deps.operatorChatId) {
    await audit(deps, {
      principal,
      kind: kindOf(parsed),
      reason: "UNAUTHORIZED: not the operators' chat",
      command: { chat: chat.type },
    });
    await answers.sendMessage(
      chat.id,
      "I take commands in a private chat or in the operators' chat.",
      replyTo,
    );
    return;
  }
  if (parsed.kind === "ignore") {
    await answers.sendMessage(chat.id, "Send /help for the commands.");
    return;
  }
  if (parsed.kind === "usage") {
    await audit(deps, {
      principal,
      kind: kindOf(parsed),
      reason: `BAD_REQUEST: ${parsed.reply.split("\n")[0]}`,
      command: { refusedBeforeParsing: true },
    });
    await answers.sendMessage(chat.id, esc(parsed.reply), { ...HTML, ...replyTo });
    return;
  }
  const answer = await runCommand(
    deps,
    { userId, principal, chatId: chat.id, updateId: ctx.update.update_id },
    parsed.command,
  );
  const buttons = answer.confirmId
    ? new InlineKeyboard()
        .text("Confirm", encodeButton({ kind: "confirm", id: answer.confirmId }))
        .text("Cancel", encodeButton({ kind: "cancel", id: answer.confirmId }))
    : undefined;
  // An operation started, or buttons to press: this answer has to arrive, so it is a request.
  const api = answer.started || buttons ? ctx.api : answers;
  await api.sendMessage(chat.id, answer.text, {
    ...HTML,
    ...replyTo,
    ...(buttons ? { reply_markup: buttons } : {}),
  });
}

async function onButton(
  ctx: Context & { callbackQuery: { data: string } },
  deps: BotDeps,
  answers: Api,
): Promise<void> {
  const query = ctx.callbackQuery;
  const from = query.from;
  const userId = String(from.id);
  const principal = principalOf(userId);
  const action = decodeButton(query.data);
  if (!deps.operators.has(userId)) {
    await audit(deps, {
      principal,
      kind: action ? `button-${action.kind}` : "button",
      reason: "UNAUTHORIZED: not an operator",
      command: {},
    });
    await answers.answerCallbackQuery(query.id, {
      text: "Only the fleet's operators can use these buttons.",
    });
    return;
  }
  if (!action) {
    await answers.answerCallbackQuery(query.id, { text: "This button is no longer valid." });
    return;
  }
  const display = from.username ? `@${from.username}` : from.first_name || principal;
  const result = await pressButton(deps, { userId, principal, display }, action);
  // The edit says what happened and has to arrive: a request, made first. The toast only stops
  // the button's spinner, so it may be the webhook reply (shown as the webhook answers).
  if (result.edit && query.message) {
    try {
      await ctx.editMessageText(result.edit, HTML);
    } catch (e) {
      deps.commands.log?.("warn", "editing the message under a pressed button failed", e);
    }
  }
  await answers.answerCallbackQuery(query.id, { text: result.toast.slice(0, 200) });
}
