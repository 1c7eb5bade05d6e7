/**
 * The fake Bot API as Telegram's half of a webhook reply: an update delivered to a webhook that
 * answers 200 with a JSON method call has that call run as if the bot had made it (checked,
 * faults applied, recorded), and nothing else in an answer is taken for a call.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeBotApi, type FakeBotApi } from "../../local/telegram-fake/server";
import { OPERATOR, SECRET, TOKEN } from "./fixture";

/** What the stand-in webhook answers next, and the secrets it was sent. */
let next: { status: number; contentType?: string; body?: string };
const secrets: (string | undefined)[] = [];
let hook: http.Server;
let fake: FakeBotApi;

beforeAll(async () => {
  hook = http.createServer((req, res) => {
    secrets.push(req.headers["x-telegram-bot-api-secret-token"] as string | undefined);
    req.resume();
    req.on("end", () => {
      res.writeHead(next.status, next.contentType ? { "content-type": next.contentType } : {});
      res.end(next.body ?? "");
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  fake = await startFakeBotApi({ token: TOKEN });
  const { port } = hook.address() as AddressInfo;
  fake.state.webhook = { url: `http://127.0.0.1:${port}/api/v1/telegram`, secret_token: SECRET };
});

afterAll(async () => {
  await fake?.close();
  await new Promise<void>((resolve) => (hook ? hook.close(() => resolve()) : resolve()));
});

beforeEach(() => {
  fake.state.calls.length = 0;
  fake.state.messages.length = 0;
});

const json = (call: object) => ({ status: 200, contentType: "application/json", body: JSON.stringify(call) });

describe("fake Bot API: webhook replies", () => {
  it("deliver: runs a sendMessage in the webhook's 200 JSON answer as the bot's call", async () => {
    next = json({
      method: "sendMessage",
      chat_id: OPERATOR.id,
      text: "<b>Fleet</b> &amp; co",
      parse_mode: "HTML",
    });
    const d = await fake.sendText(OPERATOR, "/fleet");
    expect(secrets.at(-1)).toBe(SECRET);
    expect(d.status).toBe(200);
    expect(d.reply).toMatchObject({
      method: "sendMessage",
      webhookReply: true,
      outcome: true,
      payload: { chat_id: OPERATOR.id, text: "<b>Fleet</b> &amp; co" },
    });
    expect(fake.state.callsOf("sendMessage")).toHaveLength(1);
    expect(fake.state.requestsOf("sendMessage")).toEqual([]);
    expect(fake.updates.lastMessage(OPERATOR.id)).toMatchObject({ text: "Fleet & co", parse_mode: "HTML" });
  });

  it("deliver: a reply is checked like a request (bad HTML is refused and nothing is shown)", async () => {
    next = json({ method: "sendMessage", chat_id: OPERATOR.id, text: "a < b", parse_mode: "HTML" });
    const d = await fake.sendText(OPERATOR, "/fleet");
    expect(d.reply).toMatchObject({ method: "sendMessage", webhookReply: true, outcome: 400 });
    expect(fake.state.messages).toEqual([]);
  });

  it("deliver: an injected 429 swallows the reply, as Telegram's flood control would", async () => {
    fake.throttleNext("sendMessage", 5);
    next = json({ method: "sendMessage", chat_id: OPERATOR.id, text: "hello" });
    expect((await fake.sendText(OPERATOR, "/help")).reply).toMatchObject({ outcome: 429 });
    expect(fake.state.messages).toEqual([]);
  });

  it("deliver: runs answerCallbackQuery replies too", async () => {
    next = json({ method: "sendMessage", chat_id: OPERATOR.id, text: "question" });
    await fake.sendText(OPERATOR, "/park alice");
    const press = fake.updates.pressData(OPERATOR, fake.updates.lastMessage(OPERATOR.id)!, "x");
    next = json({ method: "answerCallbackQuery", callback_query_id: press.callback_query.id, text: "Done" });
    expect((await fake.deliver(press)).reply).toMatchObject({ outcome: true });
    expect(fake.state.answeredQueries.get(press.callback_query.id)).toEqual({
      text: "Done",
      show_alert: false,
    });
  });

  it("deliver: 204, an error status, other content types and bodies without a method run nothing", async () => {
    const call = JSON.stringify({ method: "sendMessage", chat_id: OPERATOR.id, text: "x" });
    for (const answer of [
      { status: 204 },
      { status: 500, contentType: "application/json", body: call },
      { status: 200, contentType: "text/plain", body: call },
      { status: 200, contentType: "application/json", body: "{not json" },
      { status: 200, contentType: "application/json", body: JSON.stringify({ chat_id: 1, text: "x" }) },
      { status: 200, contentType: "application/json", body: JSON.stringify([{ method: "sendMessage" }]) },
    ]) {
      next = answer;
      const d = await fake.sendText(OPERATOR, "/fleet");
      expect(d.reply).toBeUndefined();
    }
    expect(fake.state.calls).toEqual([]);
  });
});
