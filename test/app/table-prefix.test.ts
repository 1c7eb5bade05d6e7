/**
 * TABLE_PREFIX reaches every part of the app: with the setting on, one claw driven through the HTTP
 * API, the command queue, the saga's activities and the Telegram bot is seen by each of them, in the
 * prefixed tables only. Every part takes its tables from the one composition root (core/app).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { HttpRequest, InvocationContext } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRoot } from "../../core/app";
import { createStateStore } from "../../core/state";
import { telegramSettingsFrom } from "../../core/telegram";
import { createClawsHandlers } from "../../functions/http/claws";
import { productionDeps } from "../../functions/http/deps";
import { createClawCommandsHandler } from "../../functions/queue/claw-commands";
import { productionBotDeps } from "../../functions/telegram/deps";
import { createTelegramWebhook, SECRET_HEADER } from "../../functions/telegram/webhook";
import { getActivityDeps } from "../../orchestrations/activities/deps";
import { createClawActivities } from "../../orchestrations/activities/claw-activities";
import { startFakeBotApi, type FakeBotApi } from "../../local/telegram-fake/server";
import { startTwinAzure, type Twin } from "../../local/twin";
import { startAzurite, type Azurite } from "../helpers/azurite";
import { spec } from "../api/fakes";
import { answer, request, startFakeDurable, type FakeDurable } from "../fleet/http-fixture";
import { OPERATOR, SECRET, TOKEN } from "../telegram/fixture";

const PREFIX = `Pfx${randomBytes(3).toString("hex")}`;
let azurite: Azurite;
let twin: Twin;
let durable: FakeDurable;
let bot: FakeBotApi;
let dir: string;

beforeAll(async () => {
  [azurite, twin, durable, bot] = await Promise.all([
    startAzurite({ table: true, queue: true }),
    startTwinAzure({ guests: { enabled: false }, latency: { profile: "instant" }, log: () => undefined }),
    startFakeDurable(),
    startFakeBotApi({ token: TOKEN }),
  ]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "table-prefix-"));
  // The app reads process.env, as it does on Azure and the dev host.
  Object.assign(process.env, {
    ...twin.settings,
    AzureWebJobsStorage: azurite.connectionString,
    TABLE_PREFIX: PREFIX,
    LOCAL_SECRETS_FILE: path.join(dir, "local.secrets.json"),
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    TELEGRAM_OPERATOR_IDS: String(OPERATOR.id),
    TELEGRAM_API_ROOT: bot.apiRoot,
  });
});

afterAll(async () => {
  await Promise.all([durable?.close(), bot?.close(), twin?.emulator.close(), azurite?.close()]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("TABLE_PREFIX", () => {
  it("HTTP, queue, saga activities and the bot read and write the same prefixed tables", async () => {
    const prefixed = createStateStore(azurite.connectionString, { prefix: PREFIX });
    const unprefixed = createStateStore(azurite.connectionString);
    expect(appRoot().storage.state.tableNames.claws).toBe(`${PREFIX}Claws`);

    // HTTP: the claw is created in the prefixed table.
    const http = createClawsHandlers(productionDeps);
    const created = answer(
      await http.clawsCollection(
        request("POST", "/v1/claws", { body: spec("alice", { region: "westus" }) }),
        durable.context("clawsCollection"),
      ),
    );
    expect(created.body).toMatchObject({ name: "alice" });
    expect(created.status).toBe(201);
    expect((await prefixed.claws.get("alice"))?.name).toBe("alice");

    // Queue: a deploy of that claw is accepted (it finds the claw) and starts the saga.
    const queue = createClawCommandsHandler({
      deps: productionDeps,
      queue: (n) => appRoot().storage.queue(n),
    });
    const handled = await queue(
      { kind: "deploy", claw: "alice", requestId: "prefix-deploy-1" },
      durable.context("clawCommands"),
    );
    expect(handled).toMatchObject({ outcome: "handled", duplicate: false });
    const op = (handled as { operationId: string }).operationId;
    expect(durable.calls.some((c) => c.method === "POST" && c.path.includes("deployClaw"))).toBe(true);
    expect((await prefixed.operations.get(op))?.status).toBe("running");
    expect((await prefixed.claws.get("alice"))?.runningOperationId).toBe(op);

    // Saga: the activities load the claw and finish the operation the queue started.
    const activities = createClawActivities(await getActivityDeps());
    expect((await activities.loadClaw({ claw: "alice", op })).name).toBe("alice");
    await activities.finishOperation({ claw: "alice", op, status: "succeeded" });
    expect((await prefixed.operations.get(op))?.status).toBe("succeeded");
    expect((await prefixed.claws.get("alice"))?.runningOperationId).toBeUndefined();

    // Telegram: the bot lists the operation the saga finished.
    const webhook = createTelegramWebhook({
      settings: () => telegramSettingsFrom(),
      deps: productionBotDeps,
      botInfo: bot.bot,
    });
    const res = await webhook(
      new HttpRequest({
        method: "POST",
        url: "http://127.0.0.1:7071/api/v1/telegram",
        headers: { "content-type": "application/json", [SECRET_HEADER]: SECRET },
        body: { string: JSON.stringify(bot.updates.text(OPERATOR, "/ops alice")) },
      }),
      new InvocationContext({ functionName: "telegramWebhook" }),
    );
    if (res.status === 200 && typeof res.body === "string") bot.runWebhookReply(res.body, "application/json");
    const said = bot.updates.lastMessage(OPERATOR.id)?.text ?? "";
    expect(said).toContain(op);
    expect(said).toMatch(/succeeded/);

    // Nothing went to the unprefixed tables.
    expect(await unprefixed.claws.get("alice")).toBeUndefined();
    expect(await unprefixed.operations.get(op)).toBeUndefined();
  });
});
