/**
 * Update JSON in the shapes Telegram sends: a text message (with its bot_command entity) and a
 * callback query from pressing an inline button on one of the bot's messages.
 */
import type { BotUser } from "./methods";
import { chatFor, type FakeMessage, type FakeState } from "./state";

export interface TgUser {
  id: number;
  is_bot?: false;
  first_name: string;
  username?: string;
  language_code?: string;
}

export class UpdateFactory {
  private nextUpdate = 100_000_000 + Math.floor(Math.random() * 1_000_000);
  private nextUserMessage = 1;
  private nextQuery = 1;

  constructor(
    private readonly state: FakeState,
    private readonly bot: BotUser,
  ) {}

  /** A text message from `from` in chat `chatId` (default: the private chat with `from`). */
  text(from: TgUser, text: string, chatId = from.id) {
    const chat = chatFor(chatId);
    const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
    return {
      update_id: this.nextUpdate++,
      message: {
        message_id: 10_000 + this.nextUserMessage++,
        from: { is_bot: false, ...from },
        chat:
          chat.type === "private"
            ? { ...chat, first_name: from.first_name, ...(from.username ? { username: from.username } : {}) }
            : chat,
        date: Math.floor(Date.now() / 1000),
        text,
        ...(command ? { entities: [{ offset: 0, length: command[0].length, type: "bot_command" }] } : {}),
      },
    };
  }

  /** `from` presses the button whose text is `buttonText` on the bot's message `message`. */
  press(from: TgUser, message: FakeMessage, buttonText: string) {
    const button = message.reply_markup?.inline_keyboard.flat().find((b) => b.text === buttonText);
    if (!button?.callback_data)
      throw new Error(`message ${message.message_id} has no button '${buttonText}'`);
    return this.pressData(from, message, button.callback_data);
  }

  /** A callback query with arbitrary data (what a forged or stale button sends). */
  pressData(from: TgUser, message: FakeMessage, data: string) {
    return {
      update_id: this.nextUpdate++,
      callback_query: {
        id: `${from.id}${String(this.nextQuery++).padStart(6, "0")}`,
        from: { is_bot: false, ...from },
        message: {
          message_id: message.message_id,
          from: {
            id: this.bot.id,
            is_bot: true,
            first_name: this.bot.first_name,
            username: this.bot.username,
          },
          chat: message.chat,
          date: message.date,
          text: message.text,
          ...(message.reply_markup ? { reply_markup: message.reply_markup } : {}),
        },
        chat_instance: String(message.chat.id * 31),
        data,
      },
    };
  }

  /** The bot's newest message in a chat. */
  lastMessage(chatId: number): FakeMessage | undefined {
    return [...this.state.messages].reverse().find((m) => m.chat.id === chatId);
  }
}
