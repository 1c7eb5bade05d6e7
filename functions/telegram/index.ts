/**
 * Registers the Telegram operator bot: the webhook function, the notifyOperators activity, and
 * Telegram as the destination of fleet notifications.
 */
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { telegramSettingsFrom, useTelegramFleetNotifier } from "../../core/telegram";
import "../../orchestrations/activities/notify-activities";
import { productionBotDeps } from "./deps";
import { createTelegramWebhook } from "./webhook";
import { traced } from "../traced";

useTelegramFleetNotifier();

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
