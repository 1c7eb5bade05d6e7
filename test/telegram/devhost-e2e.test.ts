/**
 * The bot end to end on the twin: the dev host serves the real webhook function (anonymous, secret
 * token checked), `registerWebhook` (npm run telegram:webhook) points the fake Bot API at it, and
 * the fake delivers updates the way Telegram does. Sagas are stubs that end with notifyOperators.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AzuriteHandle } from "../../local/host/azurite";
import { createLogger } from "../../local/host/log";
import { startDevHost, type DevHost } from "../../local/host/main";
import { startFakeBotApi, type FakeBotApi } from "../../local/telegram-fake/server";
import { registerWebhook, registrationProblem } from "../../local/telegram/set-webhook";
import { createApi } from "../../core/telegram/client";
import { REPLY_RETRY } from "../../core/telegram/retry";
import { createStateStore, type StateStore } from "../../core/state";
import { eventually, startTestAzurite } from "../devhost/fixture";
import { removeTsApp, writeTsApp } from "../api/devhost-app";
import { spec } from "../api/fakes";
import { OPERATOR, OPERATORS_CHAT, SECRET, STRANGER, TOKEN } from "./fixture";

let azurite: AzuriteHandle;
let fake: FakeBotApi;
let host: DevHost;
let main: string;
let state: StateStore;
const lines: string[] = [];
const telemetryDir = fs.mkdtempSync(path.join(os.tmpdir(), "telegram-e2e-telemetry-"));
const spansFile = path.join(telemetryDir, "spans.jsonl");

beforeAll(async () => {
  [azurite, fake] = await Promise.all([startTestAzurite(), startFakeBotApi({ token: TOKEN })]);
  main = writeTsApp("test/telegram/devhost-app.ts", { extensions: { http: { routePrefix: "api" } } });
  host = await startDevHost({
    appMain: main,
    port: 0,
    storageConnectionString: azurite.connectionString,
    settings: {
      DEVHOST_API_KEY: "telegram-e2e-key",
      DURABLE_HUB_NAME: "TelegramE2E",
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_OPERATOR_IDS: `${OPERATOR.id}`,
      TELEGRAM_OPERATOR_CHAT_ID: String(OPERATORS_CHAT),
      TELEGRAM_API_ROOT: fake.apiRoot,
      TELEMETRY_EXPORTER: "jsonl",
      TELEMETRY_FILE: spansFile,
    },
    disableTimers: true,
    disableQueues: true,
    log: createLogger({ level: "info", sink: (_l, line) => void lines.push(line) }),
  });
  state = createStateStore(azurite.connectionString);
  await state.claws.create(spec("alice"));
}, 60_000);

afterAll(async () => {
  await host?.close();
  await fake?.close();
  await azurite?.close();
  if (main) removeTsApp(main);
  fs.rmSync(telemetryDir, { recursive: true, force: true });
});

describe("telegram on the twin", () => {
  it("telegram:webhook: registers the URL, secret, update kinds and commands; refuses bad ones first", async () => {
    const api = createApi({ token: TOKEN, apiRoot: fake.apiRoot }, REPLY_RETRY);
    const url = `${host.url}/api/v1/telegram`;
    expect(registrationProblem({ url: "http://example.com/api/v1/telegram", secret: SECRET })).toMatch(
      /https/,
    );
    expect(registrationProblem({ url, secret: "has space" })).toMatch(/TELEGRAM_WEBHOOK_SECRET/);
    const info = await registerWebhook(api, { url, secret: SECRET });
    expect(info).toMatchObject({ url, allowed_updates: ["message", "callback_query"] });
    expect(fake.state.webhook).toMatchObject({ url, secret_token: SECRET });
    expect((fake.state.commands as { command: string }[]).map((c) => c.command)).toContain("rollout");
  });

  it("webhook on the dev host: anonymous, but a wrong secret token is 401", async () => {
    const res = await fetch(`${host.url}/api/v1/telegram`, {
      method: "POST",
      headers: { "content-type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "wrong" },
      body: JSON.stringify(fake.updates.text(OPERATOR, "/fleet")),
    });
    expect(res.status).toBe(401);
  });

  it("/fleet and a stranger, delivered by the fake like Telegram does, answered in the webhook reply", async () => {
    const fleet = await fake.sendText(OPERATOR, "/fleet");
    // Through the dev host's HTTP serving: status 200, a JSON sendMessage the fake runs.
    expect(fleet.status).toBe(200);
    expect(JSON.parse(fleet.body)).toMatchObject({ method: "sendMessage", chat_id: OPERATOR.id });
    expect(fleet.reply).toMatchObject({ method: "sendMessage", webhookReply: true, outcome: true });
    expect(fake.updates.lastMessage(OPERATOR.id)?.text).toMatch(/Fleet: 1 claw\n❔ alice unknown · 1\.0\.0/);
    expect((await fake.sendText(STRANGER, "/fleet")).reply?.outcome).toBe(true);
    expect(fake.updates.lastMessage(STRANGER.id)?.text).toMatch(
      /only takes commands from the fleet's operators/,
    );
    expect(fake.state.requestsOf("sendMessage")).toEqual([]);
  });

  it("/upgrade: confirmed in the chat, run as a saga on the dev host, and the operators' chat is told", async () => {
    expect((await fake.sendText(OPERATOR, "/upgrade alice 1.1.0")).status).toBe(204);
    const question = fake.updates.lastMessage(OPERATOR.id)!;
    expect(question.reply_markup?.inline_keyboard[0].map((b) => b.text)).toEqual(["Confirm", "Cancel"]);
    const confirmed = await fake.deliver(fake.updates.press(OPERATOR, question, "Confirm"));
    expect(confirmed.reply).toMatchObject({ method: "answerCallbackQuery", outcome: true });
    const opId = /Operation (\S+)/.exec(question.text)?.[1];
    expect(opId).toBeTruthy();
    const note = await eventually(
      async () => fake.state.messages.find((m) => m.chat.id === OPERATORS_CHAT && m.text.includes(opId!)),
      20_000,
      "the notification",
    );
    expect(note.text).toMatch(/^✅ upgrade of alice succeeded 1\.0\.0 → 1\.1\.0/);
    expect(await state.operations.require(opId!)).toMatchObject({ status: "succeeded", channel: "telegram" });
    // The secret token never reaches the host's log.
    expect(lines.join("\n")).not.toContain(SECRET);
    expect(lines.join("\n")).not.toContain(TOKEN);
    expect(lines.filter((l) => /\b(WARN|ERROR)\b/.test(l))).toEqual([]);
  });

  it("telemetry: the Telegram update that starts a saga is the root of one connected trace", async () => {
    interface SpanLine {
      traceId: string;
      spanId: string;
      parentSpanId?: string;
      name: string;
      attributes: Record<string, unknown>;
    }
    const spans = () =>
      fs
        .readFileSync(spansFile, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as SpanLine)
        .filter((l) => l.spanId && l.name);
    const saga = await eventually(
      async () => spans().find((s) => s.name === "saga upgradeClaw"),
      10_000,
      "the saga span",
    );
    const op = saga.attributes["openclawps.operation_id"];
    await eventually(
      async () =>
        spans().find(
          (s) => s.name === "activity notifyOperators" && s.attributes["openclawps.operation_id"] === op,
        ),
      10_000,
      "the notifyOperators span",
    );
    const all = spans();
    const root = all.find((s) => s.spanId === saga.parentSpanId);
    expect(root?.name).toBe("HTTP POST telegramWebhook");
    const trace = all.filter((s) => s.traceId === saga.traceId);
    const ids = new Set(trace.map((s) => s.spanId));
    expect(trace.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId)).map((s) => s.name)).toEqual([
      "HTTP POST telegramWebhook",
    ]);
    const notify = trace.find((s) => s.name === "activity notifyOperators");
    expect(notify?.attributes["openclawps.claw"]).toBe("alice");
    const text = fs.readFileSync(spansFile, "utf8");
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(TOKEN);
  });
});
