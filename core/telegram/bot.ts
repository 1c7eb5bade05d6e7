/**
 * One update, handled: who may speak (operators, in a private chat or the operators' chat), what
 * they said (parse.ts), what runs (commands.ts, buttons.ts) and what is said back. Strangers get
 * one polite refusal; every refusal is audited; nothing else is written for a refused command.
 */
import type { Bot, Context } from "grammy";
import { InlineKeyboard } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import { decodeButton, encodeButton } from "./callbacks";
import { createBot, type BotApiOptions } from "./client";
import { runCommand } from "./commands";
import { principalOf, type BotDeps } from "./deps";
import { errorText } from "./errors";
import { pressButton } from "./buttons";
import { esc } from "./html";
import { parseChatCommand, type ParseResult } from "./parse";

export const STRANGER_REPLY =
  "Sorry, this bot only takes commands from the fleet's operators. If you should be one, ask an operator to add your Telegram user id:";

const HTML = { parse_mode: "HTML" as const, link_preview_options: { is_disabled: true } };

/** Handles one update with `deps`; errors are answered in the chat and logged, never thrown. */
export async function handleTelegramUpdate(
  update: Update,
  deps: BotDeps,
  api: BotApiOptions & { botInfo: UserFromGetMe },
): Promise<void> {
  const bot = createBot(api);
  installHandlers(bot, deps);
  await bot.handleUpdate(update);
}

export function installHandlers(bot: Bot, deps: BotDeps): void {
  bot.on("message:text", (ctx) => guarded(ctx, deps, () => onText(ctx, deps)));
  bot.on("callback_query:data", (ctx) => guarded(ctx, deps, () => onButton(ctx, deps)));
  // A button without data (or a game) still wants its spinner stopped.
  bot.on("callback_query", (ctx) => ctx.answerCallbackQuery());
}

async function guarded(ctx: Context, deps: BotDeps, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const text = errorText(e, deps.commands.log, `update ${ctx.update.update_id}`);
    try {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: "Not done: try again in a moment." });
      else if (ctx.chat) await ctx.reply(text, HTML);
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

async function onText(ctx: Context & { message: { text: string } }, deps: BotDeps): Promise<void> {
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
      await ctx.reply(`${esc(STRANGER_REPLY)} <code>${esc(userId)}</code>`, { ...HTML, ...replyTo });
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
    await ctx.reply("I take commands in a private chat or in the operators' chat.", replyTo);
    return;
  }
  if (parsed.kind === "ignore") {
    await ctx.reply("Send /help for the commands.");
    return;
  }
  if (parsed.kind === "usage") {
    await audit(deps, {
      principal,
      kind: kindOf(parsed),
      reason: `BAD_REQUEST: ${parsed.reply.split("\n")[0]}`,
      command: { refusedBeforeParsing: true },
    });
    await ctx.reply(esc(parsed.reply), { ...HTML, ...replyTo });
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
  await ctx.reply(answer.text, { ...HTML, ...replyTo, ...(buttons ? { reply_markup: buttons } : {}) });
}

async function onButton(ctx: Context & { callbackQuery: { data: string } }, deps: BotDeps): Promise<void> {
  const from = ctx.callbackQuery.from;
  const userId = String(from.id);
  const principal = principalOf(userId);
  const action = decodeButton(ctx.callbackQuery.data);
  if (!deps.operators.has(userId)) {
    await audit(deps, {
      principal,
      kind: action ? `button-${action.kind}` : "button",
      reason: "UNAUTHORIZED: not an operator",
      command: {},
    });
    await ctx.answerCallbackQuery({ text: "Only the fleet's operators can use these buttons." });
    return;
  }
  if (!action) {
    await ctx.answerCallbackQuery({ text: "This button is no longer valid." });
    return;
  }
  const display = from.username ? `@${from.username}` : from.first_name || principal;
  const result = await pressButton(deps, { userId, principal, display }, action);
  await ctx.answerCallbackQuery({ text: result.toast.slice(0, 200) });
  if (result.edit && ctx.callbackQuery.message) {
    try {
      await ctx.editMessageText(result.edit, HTML);
    } catch (e) {
      deps.commands.log?.("warn", "editing the message under a pressed button failed", e);
    }
  }
}
