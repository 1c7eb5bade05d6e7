/**
 * The NotificationPort (core/notify/port.ts) over Telegram: fleet events and saga endings go to the
 * operators' chat. The Api it is given retries 429s after Telegram's retry_after (NOTIFY_RETRY);
 * a send that still fails rejects, and the caller decides whether that matters.
 */
import { InlineKeyboard, type Api } from "grammy";
import type { NotificationPort } from "../notify/port";
import type { OperationRecord } from "../state";
import { encodeButton } from "./callbacks";
import { fleetMessage, operationMessage, worthTelling, type OutgoingMessage } from "./notify-format";

export interface TelegramNotifier extends NotificationPort {
  /** Tells the chat that an operation ended; false when it was not worth a message (see worthTelling). */
  notifyOperation(op: OperationRecord): Promise<boolean>;
  /** Sends one prepared message. */
  send(message: OutgoingMessage): Promise<void>;
}

export interface TelegramNotifierOptions {
  api: Api;
  /** The operators' chat (TELEGRAM_OPERATOR_CHAT_ID). */
  chatId: string;
  now?: () => Date;
}

export function createTelegramNotifier({
  api,
  chatId,
  now = () => new Date(),
}: TelegramNotifierOptions): TelegramNotifier {
  async function send(m: OutgoingMessage): Promise<void> {
    let keyboard: InlineKeyboard | undefined;
    if (m.buttons?.length) {
      keyboard = new InlineKeyboard();
      m.buttons.forEach((row, n) => {
        if (n > 0) keyboard!.row();
        for (const btn of row) keyboard!.text(btn.text, encodeButton(btn.action));
      });
    }
    await api.sendMessage(chatId, m.text, {
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
      ...(keyboard ? { reply_markup: keyboard } : {}),
    });
  }
  return {
    send,
    async notify(event) {
      await send(fleetMessage(event, now()));
    },
    async notifyOperation(op) {
      if (!worthTelling(op)) return false;
      await send(operationMessage(op, now()));
      return true;
    },
  };
}
