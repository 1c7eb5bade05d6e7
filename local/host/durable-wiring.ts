/**
 * The seam between the dev host and the durable engine (local/host/durable). The dev host builds a
 * DurableHostContext once its HTTP server listens and hands it to the engine's factory; until an
 * engine is wired in, `createUnavailableDurableHost` answers every Durable HTTP API call with 501.
 *
 * URL layout served by the dev host's HTTP server:
 * - `${webhookBaseUrl}/…` (= /runtime/webhooks/durabletask/…): the public Durable HTTP API; needs the
 *   API key (`?code=` or `x-functions-key`), which the URLs in the client payload carry.
 * - `${rpcBaseUrl}…` (= /durabletask/<rpc token>/…): what DurableClient calls when the payload has
 *   rpcBaseUrl. The client adds no key to these calls, so the path carries an unguessable per-process
 *   token instead (never logged). Put `ctx.rpcBaseUrl` verbatim into the payload.
 * Both reach `DurableHost.handleHttp` with `path` relative to the prefix and `code` removed from the query.
 */
import type { HostConfig } from "./host-config";
import type { DurableHost } from "./durable/types";
import type { Logger } from "./log";
import type { AppRegistry, InvocationResult } from "./registry";
import type { RpcTypedData } from "./rpc-types";
import { resolvePercentVars, type Settings } from "./settings";

export const DURABLE_WEBHOOK_PATH = "/runtime/webhooks/durabletask";
export const DURABLE_RPC_PATH = "/durabletask";

export interface DurableHostContext {
  /** The loaded app; durable functions are those with orchestration/activity/entity triggers. */
  registry: AppRegistry;
  /** Connection string of the storage (Azurite) that holds the task hub. */
  storageConnectionString: string;
  /** host.json extensions.durableTask.hubName with %SETTING% resolved (default "TestHubName"). */
  hubName: string;
  /** Origin of the dev host, e.g. "http://127.0.0.1:7071" (no trailing slash). */
  baseUrl: string;
  /** `${baseUrl}/runtime/webhooks/durabletask` (no trailing slash). */
  webhookBaseUrl: string;
  /** `${baseUrl}/durabletask/<token>/` (trailing slash, as DurableClient requires). */
  rpcBaseUrl: string;
  /** The key that webhook URLs carry as `code=` (the dev host's admin key). */
  apiKey: string;
  settings: Settings;
  log: Logger;
  /**
   * Invokes any registered function through the library pipeline with the host's extra inputs
   * (durableClient) and output bindings applied; for activities, pass `{ json: JSON.stringify(input) }`
   * or `{ string }` as triggerData. Orchestrators can instead be called directly (fn.handler).
   */
  invoke(
    name: string,
    triggerData: RpcTypedData,
    triggerMetadata?: Record<string, RpcTypedData>,
  ): Promise<InvocationResult>;
}

export type DurableHostFactory = (ctx: DurableHostContext) => DurableHost | Promise<DurableHost>;

/** The task hub name from host.json, resolved against the settings. */
export function resolveHubName(config: HostConfig, settings: Settings): string {
  return config.hubName ? resolvePercentVars(config.hubName, settings) : "TestHubName";
}

/**
 * The durableClient binding payload as the Durable extension's HttpApiHandler builds it (webhook
 * URLs with `code=`, `INSTANCEID` placeholders, plus rpcBaseUrl). Engines may use it as is.
 */
export function buildClientBindingData(
  ctx: Pick<DurableHostContext, "hubName" | "webhookBaseUrl" | "rpcBaseUrl" | "apiKey">,
): Record<string, unknown> {
  const base = ctx.webhookBaseUrl;
  const code = `code=${encodeURIComponent(ctx.apiKey)}`;
  const common = `taskHub=${encodeURIComponent(ctx.hubName)}&connection=Storage&${code}`;
  const instance = `${base}/instances/INSTANCEID`;
  return {
    taskHubName: ctx.hubName,
    creationUrls: {
      createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${code}`,
      createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${code}`,
    },
    managementUrls: {
      id: "INSTANCEID",
      statusQueryGetUri: `${instance}?${common}`,
      sendEventPostUri: `${instance}/raiseEvent/{eventName}?${common}`,
      terminatePostUri: `${instance}/terminate?reason={text}&${common}`,
      rewindPostUri: `${instance}/rewind?reason={text}&${common}`,
      purgeHistoryDeleteUri: `${instance}?${common}`,
      restartPostUri: `${instance}/restart?${common}`,
      suspendPostUri: `${instance}/suspend?reason={text}&${common}`,
      resumePostUri: `${instance}/resume?reason={text}&${common}`,
    },
    baseUrl: base,
    requiredQueryStringParameters: code,
    rpcBaseUrl: ctx.rpcBaseUrl,
  };
}

/** A stand-in engine: the client payload is real, every Durable HTTP API call answers 501. */
export function createUnavailableDurableHost(ctx: DurableHostContext): DurableHost {
  return {
    async start() {
      const count = [...ctx.registry.functions.values()].filter((f) =>
        /^(orchestration|activity|entity)trigger$/i.test(f.trigger.type),
      ).length;
      if (count > 0) ctx.log.warn(`no durable engine wired in: ${count} durable function(s) will not run`);
    },
    async stop() {},
    async handleHttp() {
      return {
        status: 501,
        headers: { "content-type": "application/json; charset=utf-8" },
        body: { error: { code: "NOT_IMPLEMENTED", message: "The dev host runs without a durable engine." } },
      };
    },
    clientBindingData: () => buildClientBindingData(ctx),
  };
}
