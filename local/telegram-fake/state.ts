/** What the fake Bot API remembers: calls, the bot's messages per chat, answered queries, the webhook. */
import type { ApiErrorBody } from "./constants";

export interface RecordedCall {
  method: string;
  payload: Record<string, unknown>;
  at: number;
  /** true, or the error code answered. */
  outcome: true | number;
  /** Made by returning it in the webhook's response (a webhook reply), not as a request. */
  webhookReply?: true;
}

export interface FakeChat {
  id: number;
  type: "private" | "group" | "supergroup";
  title?: string;
  first_name?: string;
}

export interface FakeMessage {
  message_id: number;
  chat: FakeChat;
  date: number;
  /** The text as sent (HTML source when parse_mode was HTML). */
  source: string;
  /** What a user sees. */
  text: string;
  parse_mode?: string;
  reply_markup?: { inline_keyboard: { text: string; callback_data?: string }[][] };
  edit_date?: number;
}

export interface WebhookConfig {
  url: string;
  secret_token?: string;
  allowed_updates?: string[];
}

export class FakeState {
  readonly calls: RecordedCall[] = [];
  readonly messages: FakeMessage[] = [];
  readonly answeredQueries = new Map<string, { text?: string; show_alert?: boolean }>();
  readonly faults = new Map<string, ApiErrorBody[]>();
  webhook?: WebhookConfig;
  commands: unknown[] = [];
  private nextMessageId = 1;

  newMessageId(): number {
    return this.nextMessageId++;
  }

  findMessage(chatId: number, messageId: number): FakeMessage | undefined {
    return this.messages.find((m) => m.chat.id === chatId && m.message_id === messageId);
  }

  /** Calls of one method, oldest first (requests and webhook replies). */
  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Calls of one method the bot made as requests of their own. */
  requestsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && !c.webhookReply);
  }

  /** Takes the next injected fault for `method`, if any. */
  takeFault(method: string): ApiErrorBody | undefined {
    const queue = this.faults.get(method);
    const f = queue?.shift();
    if (queue && queue.length === 0) this.faults.delete(method);
    return f;
  }
}

/** A chat's type as Telegram derives it from the id's sign (groups are negative). */
export function chatFor(id: number): FakeChat {
  return id < 0
    ? { id, type: "supergroup", title: "operators" }
    : { id, type: "private", first_name: "user" };
}
