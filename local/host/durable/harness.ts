/**
 * In-process harness for the durable engine: real Azurite tables, handlers built by the
 * durable-functions SDK itself (createOrchestrator / wrapActivityHandler, exactly what df.app.*
 * registers), no HTTP.
 */
import type { OrchestrationHandler, ActivityHandler as DfActivityHandler } from "durable-functions";
import { startAzurite, type AzuriteHandle } from "../azurite";
import { createDurableHost, retryWaitScaleOf, type DurableFunctionInfo } from "./index";
import type { DurableEngine } from "./engine";
import type { InstanceRecord } from "./store";
import type { Clock } from "./clock";

/* eslint-disable @typescript-eslint/no-require-imports -- the SDK's own wrappers are not exported */
const { createOrchestrator } = require("durable-functions/lib/src/util/testingUtils") as {
  createOrchestrator: (fn: OrchestrationHandler) => DurableFunctionInfo["handler"];
};
const { wrapActivityHandler } = require("durable-functions/lib/src/app") as {
  wrapActivityHandler: (fn: DfActivityHandler) => DurableFunctionInfo["handler"];
};
/* eslint-enable @typescript-eslint/no-require-imports */

export interface Harness {
  engine: DurableEngine;
  azurite: AzuriteHandle;
  run(name: string, input?: unknown, id?: string): Promise<InstanceRecord>;
  waitFor(id: string, statuses?: string[], timeoutMs?: number): Promise<InstanceRecord>;
  restart(): Promise<void>;
  close(): Promise<void>;
  logs: string[];
}

export async function createHarness(
  orchestrators: Record<string, OrchestrationHandler>,
  activities: Record<string, DfActivityHandler>,
  opts: {
    hubName?: string;
    azurite?: AzuriteHandle;
    /** The engine's clock (default: the wall clock); a fake one lets tests skip time. */
    clock?: Clock;
    /**
     * Fraction of each retry backoff actually waited. Default: 1 with a `clock` (it skips time
     * itself), else DURABLE_RETRY_WAIT_SCALE as the dev host reads it.
     */
    retryWaitScale?: number;
  } = {},
): Promise<Harness> {
  const azurite = opts.azurite ?? (await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 }));
  const fns = new Map<string, DurableFunctionInfo>();
  for (const [name, fn] of Object.entries(orchestrators))
    fns.set(name, { type: "orchestrationTrigger", handler: createOrchestrator(fn) });
  for (const [name, fn] of Object.entries(activities)) {
    fns.set(name, { type: "activityTrigger", handler: wrapActivityHandler(fn) });
  }
  const logs: string[] = [];
  const hubName = opts.hubName ?? `Hub${Math.random().toString(36).slice(2, 8)}`;
  const make = () =>
    createDurableHost({
      lookup: (n) => fns.get(n),
      storageConnectionString: azurite.connectionString,
      hubName,
      webhookBaseUrl: "http://127.0.0.1:1/runtime/webhooks/durabletask",
      rpcBaseUrl: "http://127.0.0.1:1/durabletask/x/",
      apiKey: "k",
      log: (level, msg) => logs.push(`${level} ${msg}`),
      clock: opts.clock,
      retryWaitScale: opts.retryWaitScale ?? (opts.clock ? 1 : retryWaitScaleOf({})),
    });
  let host = make();
  await host.start();
  const h: Harness = {
    get engine() {
      return host.engine;
    },
    azurite,
    logs,
    async run(name, input, id) {
      const instanceId = id ?? `${name}-${Math.random().toString(36).slice(2, 10)}`;
      await host.engine.start(name, instanceId, input === undefined ? "null" : JSON.stringify(input));
      return h.waitFor(instanceId);
    },
    async waitFor(id, statuses = ["Completed", "Failed", "Terminated"], timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const rec = await host.engine.getRecord(id);
        if (rec && statuses.includes(rec.status)) return rec;
        if (Date.now() > until)
          throw new Error(`instance ${id} is ${rec?.status ?? "missing"} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async restart() {
      await host.stop();
      host = make();
      await host.start();
    },
    async close() {
      await host.stop();
      if (!opts.azurite) await azurite.close();
    },
  };
  return h;
}
