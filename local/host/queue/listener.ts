/**
 * Queue triggers on Azurite, after the storage extension's QueueListener: poll with exponential
 * back-off up to maxPollingInterval while the queue is empty, fetch batchSize messages, fetch again
 * once in-flight work drops to newBatchThreshold. A message stays invisible (lease, renewed) while its
 * function runs; a failure makes it visible again after host.json's visibilityTimeout, and after
 * maxDequeueCount attempts it moves to `<queue>-poison`.
 */
import type { DequeuedMessageItem, QueueClient } from "@azure/storage-queue";
import { runFunction, type InvocationEnv } from "../bindings";
import type { QueueOptions } from "../host-config";
import type { Logger } from "../log";
import type { RegisteredFunction } from "../registry";
import type { RpcTypedData } from "../rpc-types";
import { isFunctionDisabled, resolvePercentVars } from "../settings";
import { decodeQueueMessage } from "./encoding";

export interface QueueListenerOptions extends QueueOptions {
  /** Invisibility while a function runs, renewed at half-time (the host uses 10 min). */
  leaseSeconds?: number;
  minPollingIntervalMs?: number;
}

export interface QueueListeners {
  stop(): Promise<void>;
}

/** Starts one poller per queue-triggered function. */
export async function startQueueListeners(
  env: InvocationEnv,
  options: QueueListenerOptions,
): Promise<QueueListeners> {
  const pollers: QueuePoller[] = [];
  for (const fn of env.registry.functions.values()) {
    if (fn.trigger.type.toLowerCase() !== "queuetrigger") continue;
    if (isFunctionDisabled(env.settings, fn.name)) {
      env.log.info(`queue trigger ${fn.name} is disabled (AzureWebJobs.${fn.name}.Disabled)`);
      continue;
    }
    const queueName = resolvePercentVars(
      String(fn.trigger.options.queueName ?? ""),
      env.settings,
    ).toLowerCase();
    const connection = fn.trigger.options.connection as string | undefined;
    const queue = await env.storage.queue(queueName, connection);
    const poison = () => env.storage.queue(`${queueName}-poison`, connection);
    const poller = new QueuePoller(fn, queue, poison, env, options, env.log.child(`queue:${queueName}`));
    poller.start();
    pollers.push(poller);
  }
  return { stop: async () => void (await Promise.all(pollers.map((p) => p.stop()))) };
}

class QueuePoller {
  readonly #inFlight = new Set<Promise<void>>();
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(
    readonly fn: RegisteredFunction,
    readonly queue: QueueClient,
    readonly poisonQueue: () => Promise<QueueClient>,
    readonly env: InvocationEnv,
    readonly options: QueueListenerOptions,
    readonly log: Logger,
  ) {}

  start(): void {
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
  }

  async #run(): Promise<void> {
    const min = this.options.minPollingIntervalMs ?? 100;
    const max = Math.max(min, this.options.maxPollingIntervalMs);
    const lease = this.options.leaseSeconds ?? 30;
    let delay = min;
    while (!this.#stopped) {
      let received = 0;
      try {
        const room = this.options.batchSize - this.#inFlight.size;
        if (room > 0) {
          const res = await this.queue.receiveMessages({
            numberOfMessages: Math.min(32, room),
            visibilityTimeout: lease,
          });
          received = res.receivedMessageItems.length;
          for (const msg of res.receivedMessageItems) this.#track(this.#process(msg, lease));
        }
      } catch (err) {
        if (!this.#stopped) this.log.error("receiving messages failed", err);
      }
      if (received > 0) {
        delay = min;
        await this.#untilInFlightAtMost(this.options.newBatchThreshold);
      } else {
        await this.#sleep(delay);
        delay = Math.min(max, delay * 2);
      }
    }
  }

  #track(p: Promise<void>): void {
    this.#inFlight.add(p);
    void p.finally(() => {
      this.#inFlight.delete(p);
      this.#wake?.();
    });
  }

  async #untilInFlightAtMost(n: number): Promise<void> {
    while (!this.#stopped && this.#inFlight.size > Math.max(0, n)) await this.#sleep(60_000);
  }

  /** Sleeps until the timeout, a finished message, or stop(). */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  async #process(msg: DequeuedMessageItem, leaseSeconds: number): Promise<void> {
    const { maxDequeueCount, messageEncoding } = this.options;
    let popReceipt = msg.popReceipt;
    try {
      if (msg.dequeueCount > maxDequeueCount)
        return await this.#toPoison(msg, popReceipt, "dequeue count exceeded");
      const text = decodeQueueMessage(msg.messageText, messageEncoding);
      if (text === undefined) return await this.#toPoison(msg, popReceipt, "message is not valid base64");

      // Keep the message invisible while the function runs.
      const renew = setInterval(
        () => {
          this.queue
            .updateMessage(msg.messageId, popReceipt, undefined, leaseSeconds)
            .then((r) => (popReceipt = r.popReceipt ?? popReceipt))
            .catch((err: unknown) =>
              this.log.warn(`lease renewal of ${msg.messageId} failed: ${String(err)}`),
            );
        },
        (leaseSeconds * 1000) / 2,
      );
      let failure: unknown;
      try {
        await runFunction(
          this.fn,
          { data: { string: text }, metadata: triggerMetadata(msg, text) },
          this.env,
        );
      } catch (err) {
        failure = err ?? new Error("function failed");
      } finally {
        clearInterval(renew);
      }
      if (failure === undefined) {
        await this.queue.deleteMessage(msg.messageId, popReceipt);
        return;
      }
      this.log.error(
        `${this.fn.name} failed on message ${msg.messageId} (dequeue count ${msg.dequeueCount})`,
        failure,
      );
      if (msg.dequeueCount >= maxDequeueCount) {
        await this.#toPoison(msg, popReceipt, `failed ${msg.dequeueCount} time(s)`);
      } else {
        const seconds = Math.ceil(this.options.visibilityTimeoutMs / 1000);
        await this.queue.updateMessage(msg.messageId, popReceipt, undefined, seconds);
      }
    } catch (err) {
      this.log.error(`handling message ${msg.messageId} failed`, err);
    }
  }

  async #toPoison(msg: DequeuedMessageItem, popReceipt: string, why: string): Promise<void> {
    const poison = await this.poisonQueue();
    // The original (still encoded) text goes to the poison queue, as the host does.
    await poison.sendMessage(msg.messageText);
    await this.queue.deleteMessage(msg.messageId, popReceipt);
    this.log.warn(`message ${msg.messageId} moved to ${poison.name} (${why})`);
  }
}

/** The trigger metadata the host sends for a queue message (the library camel-cases the keys). */
function triggerMetadata(msg: DequeuedMessageItem, text: string): Record<string, RpcTypedData> {
  return {
    DequeueCount: { int: msg.dequeueCount },
    Id: { string: msg.messageId },
    PopReceipt: { string: msg.popReceipt },
    InsertionTime: { string: msg.insertedOn.toISOString() },
    ExpirationTime: { string: msg.expiresOn.toISOString() },
    NextVisibleTime: { string: msg.nextVisibleOn.toISOString() },
    QueueTrigger: { string: text },
  };
}
