/**
 * Queue trigger on `claw-commands`: the same commands as the HTTP API, as JSON messages, through
 * the same handler. An invalid message (or one refused for good: unknown claw, reused requestId)
 * goes to `claw-commands-poison` at once with the reason logged, because the host would only move it
 * after maxDequeueCount failures. A busy claw makes the command wait: a copy is re-enqueued with a
 * growing delay, a bounded number of times. A repeated requestId starts no second saga.
 */
import { app, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { QueueClient } from "@azure/storage-queue";
import { appRoot } from "../../core/app";
import { auditRefusal, handleCommand, type CommandDeps } from "../../core/commands";
import { claimedKind, claimedString } from "../../core/commands/parse";
import { ClawError, isClawError } from "../../core/errors";
import { productionDeps } from "../http/deps";
import { clawOfMessage, traced } from "../traced";

export const CLAW_COMMANDS_QUEUE = "claw-commands";
export const POISON_SUFFIX = "-poison";
/** Envelope field of a re-enqueued copy: how many times the command waited for a busy claw. */
export const RETRY_FIELD = "retryCount";

export interface QueueRetryOptions {
  /** Re-enqueues of a command that found its claw busy, before it is poisoned. */
  maxRetries?: number;
  /** Delay before the first retry; doubles each time up to maxDelaySeconds. */
  baseDelaySeconds?: number;
  maxDelaySeconds?: number;
}

export interface ClawCommandsOptions extends QueueRetryOptions {
  deps: (context: InvocationContext) => CommandDeps;
  /** A client of a queue of the same storage account. */
  queue: (name: string) => Promise<QueueClient>;
  queueName?: string;
  /** How producers encode messages (host.json queues.messageEncoding; base64 by default). */
  messageEncoding?: "base64" | "none";
}

/** What the trigger does with a message. */
export type QueueOutcome =
  | { outcome: "handled"; operationId?: string; duplicate: boolean }
  | { outcome: "retry"; retryCount: number; delaySeconds: number; reason: string }
  | { outcome: "poisoned"; reason: string };

type Message = Record<string, unknown>;

/** The message as a command object, or why it is not one. */
function toMessage(raw: unknown): Message | string {
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      return 'the message is not JSON: send a command object like {"kind":"deploy","claw":"alice","requestId":"r-1"}';
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "the message must be a JSON object (a command with 'kind', 'claw' and 'requestId')";
  }
  return value as Message;
}

export function createClawCommandsHandler(o: ClawCommandsOptions) {
  const queueName = o.queueName ?? CLAW_COMMANDS_QUEUE;
  const { maxRetries = 20, baseDelaySeconds = 15, maxDelaySeconds = 300 } = o;
  const encode = (text: string) =>
    o.messageEncoding === "none" ? text : Buffer.from(text, "utf8").toString("base64");

  async function poison(raw: unknown, reason: string, context: InvocationContext): Promise<QueueOutcome> {
    const text = typeof raw === "string" ? raw : JSON.stringify(raw);
    const q = await o.queue(`${queueName}${POISON_SUFFIX}`);
    await q.sendMessage(encode(text));
    context.warn(
      `${queueName}: message ${messageId(context)} moved to ${queueName}${POISON_SUFFIX}: ${reason}`,
    );
    return { outcome: "poisoned", reason };
  }

  return async function clawCommands(raw: unknown, context: InvocationContext): Promise<QueueOutcome> {
    const deps = o.deps(context);
    const origin = { channel: "queue", principal: `queue:${queueName}` } as const;
    const message = toMessage(raw);
    if (typeof message === "string") {
      // Still through the handler, so the refusal is audited like any other.
      await handleCommand(deps, raw, origin).catch(() => undefined);
      return poison(raw, message, context);
    }
    const claimed = ["channel", "principal"].filter((k) => k in message);
    if (claimed.length > 0) {
      // Who sent a queue message is the queue: a message cannot pose as an operator elsewhere.
      const reason = `the message sets ${claimed.map((k) => `'${k}'`).join(" and ")}; a queue command's channel and principal are the queue's own: remove ${claimed.length > 1 ? "them" : "it"}`;
      await auditRefusal(deps, {
        ...origin,
        kind: claimedKind(message),
        claw: claimedString(message, "claw", 64),
        requestId: claimedString(message, "requestId"),
        error: new ClawError("BAD_REQUEST", reason),
      }).catch(() => undefined);
      return poison(raw, reason, context);
    }
    const { [RETRY_FIELD]: retried, ...fields } = message;
    const retryCount = Number.isInteger(retried) && (retried as number) > 0 ? (retried as number) : 0;
    // Defaults make a bare command usable; the requestId pins redeliveries of this very message.
    const input: Message = {
      requestId: `queue-${messageId(context)}`,
      ...fields,
      ...origin,
    };
    try {
      const res = await handleCommand(deps, input, origin);
      const operationId = "operationId" in res ? res.operationId : undefined;
      return { outcome: "handled", operationId, duplicate: res.duplicate };
    } catch (e) {
      if (!isClawError(e)) throw e;
      const waits = e.code === "CLAW_BUSY" || (e.code === "CONFLICT" && e.retryable);
      if (waits) {
        if (retryCount >= maxRetries) {
          return poison(raw, `${e.message} (still refused after ${retryCount} retries)`, context);
        }
        const delaySeconds = Math.min(maxDelaySeconds, baseDelaySeconds * 2 ** retryCount);
        const { channel: _c, principal: _p, ...own } = input;
        const copy = { ...own, [RETRY_FIELD]: retryCount + 1 };
        const q = await o.queue(queueName);
        await q.sendMessage(encode(JSON.stringify(copy)), { visibilityTimeout: delaySeconds });
        context.info(
          `${queueName}: ${input.kind} of '${String(input.claw)}' waits ${delaySeconds}s: ${e.message}`,
        );
        return { outcome: "retry", retryCount: retryCount + 1, delaySeconds, reason: e.message };
      }
      // Storage or durable trouble: let the host retry (and poison after maxDequeueCount).
      if (e.retryable || e.code === "INTERNAL") throw e;
      return poison(raw, `${e.code}: ${e.message}`, context);
    }
  };
}

function messageId(context: InvocationContext): string {
  const id = context.triggerMetadata?.id;
  return typeof id === "string" ? id : context.invocationId;
}

const handler = createClawCommandsHandler({
  deps: productionDeps,
  queue: (name) => appRoot().storage.queue(name),
});

app.storageQueue("clawCommands", {
  queueName: CLAW_COMMANDS_QUEUE,
  connection: "AzureWebJobsStorage",
  extraInputs: [df.input.durableClient()],
  handler: traced(
    "queue",
    "clawCommands",
    async (message: unknown, context) => {
      await handler(message, context);
    },
    {
      attributes: (_m, context) => ({
        "messaging.destination.name": CLAW_COMMANDS_QUEUE,
        "messaging.message.id": messageId(context),
        "openclawps.dequeue_count": Number(context.triggerMetadata?.dequeueCount ?? 1),
      }),
      claw: clawOfMessage,
    },
  ),
});
