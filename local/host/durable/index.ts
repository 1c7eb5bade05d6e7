/**
 * createDurableHost: wires the engine, its Azurite store and the HTTP API behind the DurableHost
 * contract the dev host's trigger plumbing uses.
 */
import type { DurableHost, DurableHttpRequest } from "./types";
import { DurableEngine, type ActivityHandler, type EngineFunctions } from "./engine";
import { HubStore } from "./store";
import { createDurableApi } from "./http-api";
import type { OrchestratorHandler } from "./replay";
import type { Clock } from "./clock";
import type { DurableHostContext } from "../durable-wiring";
import { numberSetting } from "../../../core/settings";
import { getSetting, type Settings } from "../settings";

export interface DurableFunctionInfo {
  type: string;
  handler: (...args: never[]) => unknown;
}

export interface DurableEngineOptions {
  /** Look up a registered function by name. */
  lookup(name: string): DurableFunctionInfo | undefined;
  storageConnectionString: string;
  hubName: string;
  /** `${origin}/runtime/webhooks/durabletask` (no trailing slash). */
  webhookBaseUrl: string;
  /** `${origin}/durabletask/<token>/`: what DurableClient calls; the dev host checks the token. */
  rpcBaseUrl: string;
  apiKey: string;
  log: (level: "info" | "warn" | "error", msg: string) => void;
  maxConcurrentActivities?: number;
  /** Time for history stamps, durable timers and retry waits (default: the wall clock). */
  clock?: Clock;
  /** Fraction of each retry backoff actually waited (default 1; the twin's test suites: 0.01). */
  retryWaitScale?: number;
}

/**
 * DURABLE_RETRY_WAIT_SCALE from the dev host's settings or, as the twin's test harness sets it, the
 * environment alone (settings files overlay only the names they list).
 */
export function retryWaitScaleOf(settings: Settings, env: NodeJS.ProcessEnv = process.env): number {
  const name = "DURABLE_RETRY_WAIT_SCALE";
  return numberSetting({ [name]: getSetting(settings, name, env) }, name, 1, 0, 1);
}

/** The factory the dev host calls once its HTTP server listens. */
export function durableHostFactory(ctx: DurableHostContext): DurableHost & { engine: DurableEngine } {
  const log = ctx.log.child("durable");
  return createDurableHost({
    lookup: (name) => {
      const f = ctx.registry.functions.get(name);
      return f
        ? { type: f.trigger.type, handler: f.handler as unknown as DurableFunctionInfo["handler"] }
        : undefined;
    },
    storageConnectionString: ctx.storageConnectionString,
    hubName: ctx.hubName,
    webhookBaseUrl: ctx.webhookBaseUrl,
    rpcBaseUrl: ctx.rpcBaseUrl,
    apiKey: ctx.apiKey,
    log: (level, msg) =>
      level === "error" ? log.error(msg) : level === "warn" ? log.warn(msg) : log.info(msg),
    maxConcurrentActivities: Number(ctx.settings.DURABLE_MAX_ACTIVITIES ?? 100),
    retryWaitScale: retryWaitScaleOf(ctx.settings),
  });
}

export function createDurableHost(o: DurableEngineOptions): DurableHost & { engine: DurableEngine } {
  const store = new HubStore(o.storageConnectionString, o.hubName);
  const fns: EngineFunctions = {
    orchestrator: (name) => {
      const f = o.lookup(name);
      return f?.type === "orchestrationTrigger" ? (f.handler as unknown as OrchestratorHandler) : undefined;
    },
    activity: (name) => {
      const f = o.lookup(name);
      return f?.type === "activityTrigger" ? (f.handler as unknown as ActivityHandler) : undefined;
    },
  };
  const engine = new DurableEngine({
    store,
    functions: fns,
    log: o.log,
    maxConcurrentActivities: o.maxConcurrentActivities,
    clock: o.clock,
    retryWaitScale: o.retryWaitScale,
  });
  const hub = o.hubName;
  const code = encodeURIComponent(o.apiKey);
  const webhookBase = o.webhookBaseUrl;
  const common = `taskHub=${hub}&connection=Storage&code=${code}`;

  const managementUrls = (id: string) => {
    const i = encodeURIComponent(id);
    return {
      id,
      statusQueryGetUri: `${webhookBase}/instances/${i}?${common}`,
      sendEventPostUri: `${webhookBase}/instances/${i}/raiseEvent/{eventName}?${common}`,
      terminatePostUri: `${webhookBase}/instances/${i}/terminate?reason={text}&${common}`,
      rewindPostUri: `${webhookBase}/instances/${i}/rewind?reason={text}&${common}`,
      purgeHistoryDeleteUri: `${webhookBase}/instances/${i}?${common}`,
      restartPostUri: `${webhookBase}/instances/${i}/restart?${common}`,
      suspendPostUri: `${webhookBase}/instances/${i}/suspend?reason={text}&${common}`,
      resumePostUri: `${webhookBase}/instances/${i}/resume?reason={text}&${common}`,
    };
  };
  const api = createDurableApi({
    engine,
    hubName: hub,
    isOrchestrator: (name) => o.lookup(name)?.type === "orchestrationTrigger",
    managementUrls,
  });

  return {
    engine,
    async start() {
      await store.init();
      await engine.recover();
    },
    stop: () => engine.stop(),
    /** `req.path` is relative to the webhook or rpc prefix; the dev host has checked key or token. */
    async handleHttp(req: DurableHttpRequest) {
      try {
        return await api(req);
      } catch (e) {
        o.log("error", `durable api: ${(e as Error).stack ?? e}`);
        return { status: 500, body: { error: "The durable task API failed; see the dev host log." } };
      }
    },
    clientBindingData() {
      return {
        taskHubName: hub,
        creationUrls: {
          createNewInstancePostUri: `${webhookBase}/orchestrators/{functionName}[/{instanceId}]?code=${code}`,
          createAndWaitOnNewInstancePostUri: `${webhookBase}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=${code}`,
        },
        managementUrls: managementUrls("INSTANCEID"),
        baseUrl: webhookBase,
        requiredQueryStringParameters: `code=${code}`,
        rpcBaseUrl: o.rpcBaseUrl,
      };
    },
  };
}
