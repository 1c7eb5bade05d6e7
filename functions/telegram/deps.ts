/**
 * The bot's dependencies for one invocation: the composition root's tables (core/app), the
 * function's durable client (resolved only when a command starts or steers a saga), the fleet
 * deps, and the bot's own table.
 */
import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { appRoot } from "../../core/app";
import { sagaClientFrom, type SagaClient } from "../../core/commands";
import type { RolloutClient } from "../../core/fleet/rollout-control";
import type { BotDeps, TelegramSettings } from "../../core/telegram";
import { contextLog } from "../http/deps";

export function productionBotDeps(context: InvocationContext, settings: TelegramSettings): BotDeps {
  const root = appRoot();
  let client: df.DurableClient | undefined;
  const durable = () => (client ??= df.getClient(context));
  let sagas: SagaClient | undefined;
  const rollouts: RolloutClient = {
    startNew: (name, o) => durable().startNew(name, { instanceId: o.instanceId, input: o.input }),
    raiseEvent: (id, name, data) => durable().raiseEvent(id, name, data),
  };
  return {
    commands: {
      state: root.storage.state,
      requests: root.storage.requests,
      durable: {
        startNew: (name, o) => (sagas ??= sagaClientFrom(durable())).startNew(name, o),
        getStatus: (id) => (sagas ??= sagaClientFrom(durable())).getStatus(id),
      },
      log: contextLog(context),
    },
    fleet: () => root.fleet(),
    rollouts,
    store: root.storage.chats,
    operators: new Set(settings.operatorIds),
    operatorChatId: settings.operatorChatId,
  };
}
