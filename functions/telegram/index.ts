/**
 * Registers the Telegram operator bot: the webhook function and the notifyOperators activity.
 * Fleet notifications reach Telegram through the composition root's notifier (core/app).
 */
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { telegramSettingsFrom } from "../../core/telegram";
import "../../orchestrations/activities/notify-activities";
import { productionBotDeps } from "./deps";
import { createTelegramWebhook } from "./webhook";
import { traced } from "../traced";

app.http("telegramWebhook", {
  route: "v1/telegram",
  methods: ["POST"],
  authLevel: "anonymous",
  extraInputs: [df.input.durableClient()],
  handler: traced(
    "http",
    "POST telegramWebhook",
    createTelegramWebhook({ settings: () => telegramSettingsFrom(), deps: productionBotDeps }),
  ),
});
