/** What the bot's update handlers need; production builds it per invocation, tests hand in their own. */
import type { CommandDeps } from "../commands";
import type { FleetDeps } from "../fleet/deps";
import type { RolloutClient } from "../fleet/rollout-control";
import type { ChatStore } from "./store";

/** The fleet automation's part the bot uses (rollouts, pins, the fleet's default schedule). */
export type BotFleetDeps = Pick<FleetDeps, "rollouts" | "state" | "now" | "log" | "fleet" | "settings">;

export interface BotDeps {
  /** The command handler's dependencies: every claw command goes through handleCommand. */
  commands: CommandDeps;
  /** Built lazily: only rollout, pin and /fleet need it. */
  fleet: () => Promise<BotFleetDeps>;
  /** Starts rollouts and raises their control events (the durable client). */
  rollouts: RolloutClient;
  store: ChatStore;
  /** Telegram user ids allowed to command the fleet. */
  operators: ReadonlySet<string>;
  /** The operators' group chat: commands are taken there and in private chats with an operator. */
  operatorChatId?: string;
  now?: () => Date;
}

/** The principal recorded for a Telegram user (ids are stable; usernames are not). */
export const principalOf = (userId: number | string) => `telegram:${userId}`;
