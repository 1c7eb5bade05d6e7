/**
 * Test support for the bot: the webhook handler wired to real Azurite tables (randomly prefixed), a
 * fake durable client, a recording rollout client, and the fake Bot API on loopback. Updates are
 * made by the fake in Telegram's shapes and posted to the handler as real HttpRequest objects; a
 * webhook reply in the handler's answer is run by the fake, as Telegram runs it.
 */
import { randomBytes } from "node:crypto";
import { HttpRequest, InvocationContext } from "@azure/functions";
import type { RolloutClient } from "../../core/fleet/rollout-control";
import { createFleetState } from "../../core/fleet/fleet-state";
import { fleetSettingsFrom } from "../../core/fleet/settings";
import { createRolloutsRepository } from "../../core/state";
import { createChatStore, type BotDeps, type BotFleetDeps, type TelegramSettings } from "../../core/telegram";
import { createTelegramWebhook, SECRET_HEADER } from "../../functions/telegram/webhook";
import { startFakeBotApi, type FakeBotApi } from "../../local/telegram-fake/server";
import type { RecordedCall } from "../../local/telegram-fake/state";
import type { TgUser } from "../../local/telegram-fake/updates";
import { testDeps, type TestDeps } from "../api/fakes";

export const TOKEN = "123456:TEST-token_for-the-fake";
export const SECRET = "webhook-secret_0123456789";
export const OPERATOR: TgUser = { id: 1001, first_name: "Olga", username: "olga" };
export const OTHER_OPERATOR: TgUser = { id: 1002, first_name: "Omar" };
export const STRANGER: TgUser = { id: 6666, first_name: "Eve", username: "eve" };
export const OPERATORS_CHAT = -100200300;

export interface RecordingRollouts extends RolloutClient {
  started: { name: string; instanceId: string; input: unknown }[];
  events: { instanceId: string; name: string; data: unknown }[];
}

export function recordingRollouts(): RecordingRollouts {
  const r: RecordingRollouts = {
    started: [],
    events: [],
    async startNew(name, o) {
      r.started.push({ name, ...o });
      return o.instanceId;
    },
    async raiseEvent(instanceId, name, data) {
      r.events.push({ instanceId, name, data });
    },
  };
  return r;
}

/** The webhook's answer, and the webhook reply the fake ran from it. */
export interface Posted {
  status?: number;
  contentType?: string;
  body?: unknown;
  reply?: RecordedCall;
}

export interface BotFixture {
  fake: FakeBotApi;
  deps: BotDeps & { commands: TestDeps };
  fleet: BotFleetDeps;
  rollouts: RecordingRollouts;
  logged: string[];
  settings: TelegramSettings;
  /**
   * Posts an update to the webhook handler (with the right secret unless told otherwise); a webhook
   * reply in its answer is run by the fake and returned as `reply`.
   */
  post(update: unknown, secret?: string | null): Promise<Posted>;
  /** Sends a text as `from` (default: the operator, in their private chat). */
  say(text: string, from?: TgUser, chatId?: number): Promise<Posted>;
  /** Presses a button on the bot's newest message in `chatId`. */
  press(button: string, from?: TgUser, chatId?: number): Promise<Posted>;
  /** The bot's newest message in a chat (the operator's private chat by default). */
  last(chatId?: number): { text: string; source: string; buttons: string[] };
  close(): Promise<void>;
}

export async function botFixture(
  connectionString: string,
  opts: { now?: () => Date; settings?: Partial<TelegramSettings> } = {},
): Promise<BotFixture> {
  const fake = await startFakeBotApi({ token: TOKEN });
  const commands = testDeps(connectionString, opts.now);
  const now = opts.now ?? (() => new Date());
  const logged: string[] = [];
  commands.log = (level, message, err) => logged.push(`${level} ${message}${err ? ` ${String(err)}` : ""}`);
  const fleet: BotFleetDeps = {
    state: commands.state,
    rollouts: createRolloutsRepository(connectionString, { prefix: commands.prefix, now }),
    fleet: createFleetState(connectionString, { prefix: commands.prefix, now }),
    settings: fleetSettingsFrom({}),
    now,
    log: (level, message) => logged.push(`${level} ${message}`),
  };
  const rollouts = recordingRollouts();
  const deps = {
    commands,
    fleet: async () => fleet,
    rollouts,
    store: createChatStore(connectionString, { prefix: commands.prefix, now }),
    operators: new Set([String(OPERATOR.id), String(OTHER_OPERATOR.id)]),
    operatorChatId: String(OPERATORS_CHAT),
    now,
  };
  const settings: TelegramSettings = {
    botToken: TOKEN,
    webhookSecret: SECRET,
    operatorIds: [...deps.operators],
    operatorChatId: String(OPERATORS_CHAT),
    apiRoot: fake.apiRoot,
    ...opts.settings,
  };
  const handler = createTelegramWebhook({ settings: () => settings, deps: () => deps, botInfo: fake.bot });

  async function post(update: unknown, secret: string | null = SECRET) {
    const body = typeof update === "string" ? update : JSON.stringify(update);
    const req = new HttpRequest({
      method: "POST",
      url: "http://127.0.0.1:7071/api/v1/telegram",
      headers: {
        "content-type": "application/json",
        ...(secret === null ? {} : { [SECRET_HEADER]: secret }),
      },
      body: { string: body },
    });
    const context = new InvocationContext({
      functionName: "telegramWebhook",
      logHandler: (level, ...args) => logged.push(`${level} ${args.map(String).join(" ")}`),
    });
    const res = await handler(req, context);
    const contentType = new Headers(res.headers).get("content-type") ?? undefined;
    const reply =
      res.status === 200 && typeof res.body === "string"
        ? fake.runWebhookReply(res.body, contentType)
        : undefined;
    return { status: res.status, contentType, body: res.body, ...(reply ? { reply } : {}) };
  }

  const last = (chatId = OPERATOR.id) => {
    const m = fake.updates.lastMessage(chatId);
    if (!m) throw new Error(`the bot sent nothing to chat ${chatId}`);
    return {
      text: m.text,
      source: m.source,
      buttons: m.reply_markup?.inline_keyboard.flat().map((b) => b.text) ?? [],
    };
  };

  return {
    fake,
    deps,
    fleet,
    rollouts,
    logged,
    settings,
    post,
    say: (text, from = OPERATOR, chatId = from.id) => post(fake.updates.text(from, text, chatId)),
    press(button, from = OPERATOR, chatId = OPERATOR.id) {
      const m = fake.updates.lastMessage(chatId);
      if (!m) throw new Error(`the bot sent nothing to chat ${chatId}`);
      return post(fake.updates.press(from, m, button));
    },
    last,
    close: () => fake.close(),
  };
}

/** A unique suffix for names in one test file. */
export const unique = () => randomBytes(3).toString("hex");
