/**
 * notifyOperators: tells the operators' chat how a saga ended (succeeded, failed, compensated),
 * with the operation id. Sagas call it right after finishOperation:
 *   yield ctx.df.callActivity("notifyOperators", { op: input.operationId });
 * It reads the finished operation row, so the message says exactly what the record says. Sending
 * honours Telegram's 429 retry_after and retries server errors (NOTIFY_RETRY) inside the activity,
 * because a durable retry policy cannot wait for a server-chosen time. A notification is never
 * worth failing a saga for: the activity answers `{ delivered: false, reason }` instead of throwing.
 */
import * as df from "durable-functions";
import { appRoot } from "../../core/app";
import type { OperationRecord } from "../../core/state";
import type { TelegramNotifier } from "../../core/telegram";
import type { InvocationContext } from "@azure/functions";
import { logLine, traceActivity } from "../../core/telemetry";
import { instanceIdOf } from "./registration";

export interface NotifyOperatorsInput {
  /** The operation id (SagaInput.operationId). */
  op: string;
}

export interface NotifyOperatorsResult {
  delivered: boolean;
  reason?: string;
}

export interface NotifyActivityDeps {
  operations: { get(id: string): Promise<OperationRecord | undefined> };
  /** Undefined when no bot is configured: nothing is sent. */
  notifier?: Pick<TelegramNotifier, "notifyOperation">;
  log(level: "info" | "warn", message: string): void;
}

export function createNotifyActivities(deps: NotifyActivityDeps) {
  async function notifyOperators(input: NotifyOperatorsInput): Promise<NotifyOperatorsResult> {
    if (!deps.notifier) return { delivered: false, reason: "no Telegram bot configured" };
    try {
      const op = await deps.operations.get(input.op);
      if (!op) return { delivered: false, reason: `operation ${input.op} not found` };
      const sent = await deps.notifier.notifyOperation(op);
      return sent ? { delivered: true } : { delivered: false, reason: "reported in the fleet run's digest" };
    } catch (e) {
      const reason = e instanceof Error ? e.message.split("\n")[0].slice(0, 300) : "unknown error";
      deps.log("warn", `notifying the operators of operation ${input.op} failed: ${reason}`);
      return { delivered: false, reason };
    }
  }
  return { notifyOperators };
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;

let provider: () => NotifyActivityDeps = () => ({
  operations: appRoot().storage.state.operations,
  notifier: appRoot().notifier(),
  log: (level, message) => logLine(level, `[notify] ${message}`),
});

/** Tests: where the activity gets its dependencies. */
export function setNotifyActivityDeps(p: () => NotifyActivityDeps): void {
  provider = p;
}

df.app.activity("notifyOperators", {
  handler: (input: NotifyOperatorsInput, context: InvocationContext): Promise<NotifyOperatorsResult> =>
    traceActivity(
      "notifyOperators",
      input,
      async () => {
        let deps: NotifyActivityDeps;
        try {
          deps = provider();
        } catch (e) {
          // Malformed bot settings or no storage: the saga still ends as recorded.
          const reason = e instanceof Error ? e.message.split("\n")[0].slice(0, 300) : "unknown error";
          logLine("warn", `[notify] cannot notify the operators: ${reason}`);
          return { delivered: false, reason };
        }
        return createNotifyActivities(deps).notifyOperators(input);
      },
      instanceIdOf(context),
    ),
});
