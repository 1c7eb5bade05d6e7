/**
 * The bot's dependencies for one invocation: the command handler's tables and the function's
 * durable client (resolved only when a command starts or steers a saga), the fleet deps, and the
 * bot's own table.
 */
import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { commandRuntime, sagaClientFrom, type SagaClient } from "../../core/commands";
import { createFleetState } from "../../core/fleet/fleet-state";
import type { RolloutClient } from "../../core/fleet/rollout-control";
import { fleetSettingsFrom } from "../../core/fleet/settings";
import { createRolloutsRepository } from "../../core/state";
import {
  chatStoreFromEnv,
  storageTargetFromEnv,
  type BotDeps,
  type BotFleetDeps,
  type TelegramSettings,
} from "../../core/telegram";
import { contextLog } from "../http/deps";
import { logLine } from "../../core/telemetry";

let fleetDeps: BotFleetDeps | undefined;

/**
 * The fleet tables the bot reads and writes (rollouts, pins) beside the command runtime's. Built
 * here rather than with getFleetDeps, which also builds the Azure gateway: the operators' channel
 * must keep working when an Azure setting is wrong.
 */
function botFleetDeps(): BotFleetDeps {
  if (!fleetDeps) {
    const target = storageTargetFromEnv();
    fleetDeps = {
      state: commandRuntime().state,
      rollouts: createRolloutsRepository(target),
      fleet: createFleetState(target),
      settings: fleetSettingsFrom(),
      now: () => new Date(),
      log: (level, message) => logLine(level, message),
    };
  }
  return fleetDeps;
}

export function productionBotDeps(context: InvocationContext, settings: TelegramSettings): BotDeps {
  const runtime = commandRuntime();
  let client: df.DurableClient | undefined;
  const durable = () => (client ??= df.getClient(context));
  let sagas: SagaClient | undefined;
  const rollouts: RolloutClient = {
    startNew: (name, o) => durable().startNew(name, { instanceId: o.instanceId, input: o.input }),
    raiseEvent: (id, name, data) => durable().raiseEvent(id, name, data),
  };
  return {
    commands: {
      state: runtime.state,
      requests: runtime.requests,
      durable: {
        startNew: (name, o) => (sagas ??= sagaClientFrom(durable())).startNew(name, o),
        getStatus: (id) => (sagas ??= sagaClientFrom(durable())).getStatus(id),
      },
      log: contextLog(context),
    },
    fleet: async () => botFleetDeps(),
    rollouts,
    store: chatStoreFromEnv(),
    operators: new Set(settings.operatorIds),
    operatorChatId: settings.operatorChatId,
  };
}
